/* listen_udp.c: to be written */
