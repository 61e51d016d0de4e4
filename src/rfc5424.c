/* rfc5424.c: to be written */
