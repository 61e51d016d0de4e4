/* framing.c: to be written */
