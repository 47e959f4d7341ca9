/* The chapter's local-domain server ("Socket - Server code"), as printed,
 * with only its bugs fixed:
 *  - the headers it uses (string.h for strcpy, stdlib.h for exit, signal.h);
 *  - accept's length is a socklen_t;
 *  - the forked child NUL-terminates what it read and exits after printing,
 *    instead of falling back into the accept loop;
 *  - finished children are reaped (SIGCHLD ignored) instead of piling up as
 *    zombies. */
#include <sys/types.h>
#include <sys/socket.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>
int main()
{
    int sd, ns;
    socklen_t len;
    struct sockaddr_un server_address, client_address;
    char buf[256];
    signal(SIGCHLD, SIG_IGN);
    //create a socket for the client
    sd = socket(AF_UNIX, SOCK_STREAM, 0);
    //Name the socket
    server_address.sun_family = AF_UNIX;
    strcpy(server_address.sun_path, "sockname");
    len = sizeof(server_address);
    if (bind(sd, (struct sockaddr *)&server_address, len) < 0)
        printf("Cannot bind\n");

    //Create a connection queue and wait for clients.
    listen(sd, 2);
    while(1) {
        //Accept a connection.
        len = sizeof(client_address);
        ns = accept(sd, (struct sockaddr *)&client_address, &len);
        if (ns < 0)
            continue;
        if (fork() == 0)
            { /* child */
                ssize_t n;
                close(sd);
                n = read(ns, buf, sizeof(buf) - 1);
                buf[n > 0 ? n : 0] = '\0';
                printf("server read %s\n",buf);
                exit(0);
            }
        close(ns);
    }
}
