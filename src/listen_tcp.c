/* listen_tcp.c: to be written */
