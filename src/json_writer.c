/* json_writer.c: to be written */
