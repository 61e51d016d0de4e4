/* event.c: to be written */
