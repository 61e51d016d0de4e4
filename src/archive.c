/* archive.c: to be written */
