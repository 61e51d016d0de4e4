/* listen_tcp.h */
