/* The chapter's local-domain client ("Socket - Client code"), as printed,
 * with only its bugs fixed:
 *  - it connects to "sockname", the name the server binds (the listing says
 *    "sockaddr", which nobody binds);
 *  - the headers it uses (string.h for strcpy, stdlib.h for exit). */
#include <sys/types.h>
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>
int main ()
{
    int sd, len;
    struct sockaddr_un address;
    int result;

    //create a socket for the client
    sd = socket(AF_UNIX, SOCK_STREAM, 0);

    //Name the socket as agreed with the server
    address.sun_family=AF_UNIX;
    strcpy(address.sun_path,"sockname");
    len = sizeof(address);

    //Now connect our socket to the server's socket
    result = connect(sd, (struct sockaddr *)&address, len);
    if(result == -1) exit (1);
    write(sd, "hi guy", 6);
    //Close the socket
    close(sd);
    return (0);
}
