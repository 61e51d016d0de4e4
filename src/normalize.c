/* normalize.c: to be written */
