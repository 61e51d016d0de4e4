/* pipeline.c: to be written */
