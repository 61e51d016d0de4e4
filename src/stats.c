/* stats.c: to be written */
