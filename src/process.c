/* process.c: to be written */
