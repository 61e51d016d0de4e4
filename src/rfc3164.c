/* rfc3164.c: to be written */
