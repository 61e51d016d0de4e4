/* listen_udp.h */
