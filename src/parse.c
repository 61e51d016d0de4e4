/* parse.c: to be written */
