// The loopback limit of the upload benchmark (issue 8): an HTTP "server" that
// reads each request body and discards it, so that bench_uploads measures
// what the loopback interface and the client can move with no disk, no hash
// and no parsing beyond the head. Answers what bench_uploads expects: 201
// with {"id", "size", "job": null} to a PUT, 204 to a DELETE, 200 to the
// rest. A thread per connection. Not part of Sluice.
//
//   peer_sink [--listen 127.0.0.1:0]
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

namespace {

bool sendAll(int fd, const std::string &data)
{
    size_t sent = 0;
    while (sent < data.size()) {
        const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (n <= 0)
            return false;
        sent += size_t(n);
    }
    return true;
}

void serve(int fd)
{
    std::string head;
    static thread_local char buffer[256 * 1024];
    size_t headEnd = std::string::npos;
    while (headEnd == std::string::npos) {
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) {
            ::close(fd);
            return;
        }
        head.append(buffer, size_t(n));
        headEnd = head.find("\r\n\r\n");
    }
    long long length = 0;
    for (const char *name : {"Content-Length:", "content-length:"}) {
        if (const size_t at = head.find(name); at != std::string::npos && at < headEnd)
            length = std::atoll(head.c_str() + at + std::strlen(name));
    }
    long long left = length - (long long)(head.size() - headEnd - 4);
    while (left > 0) {
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
        if (n <= 0) {
            ::close(fd);
            return;
        }
        left -= n;
    }
    std::string body;
    std::string status = "200 OK";
    if (head.rfind("PUT ", 0) == 0) {
        status = "201 Created";
        body = "{\"id\":\"sink\",\"size\":" + std::to_string(length) + ",\"job\":null}";
    } else if (head.rfind("DELETE ", 0) == 0) {
        status = "204 No Content";
    } else {
        body = "{\"status\":\"ok\"}";
    }
    sendAll(fd,
            "HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\nContent-Length: "
                + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body);
    ::close(fd);
}

} // namespace

int main(int argc, char **argv)
{
    std::string listen = "127.0.0.1:0";
    for (int i = 1; i + 1 < argc; ++i) {
        if (std::strcmp(argv[i], "--listen") == 0)
            listen = argv[i + 1];
    }
    const size_t colon = listen.rfind(':');
    const int server = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    const int yes = 1;
    ::setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    sockaddr_in address {};
    address.sin_family = AF_INET;
    address.sin_port = htons(uint16_t(std::atoi(listen.c_str() + colon + 1)));
    ::inet_pton(AF_INET, listen.substr(0, colon).c_str(), &address.sin_addr);
    socklen_t size = sizeof address;
    if (::bind(server, reinterpret_cast<sockaddr *>(&address), size) != 0
        || ::listen(server, 128) != 0
        || ::getsockname(server, reinterpret_cast<sockaddr *>(&address), &size) != 0) {
        std::perror("peer_sink");
        return 1;
    }
    std::printf("peer_sink listening on http://%s:%u\n", listen.substr(0, colon).c_str(),
                unsigned(ntohs(address.sin_port)));
    std::fflush(stdout);
    for (;;) {
        const int fd = ::accept4(server, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd >= 0)
            std::thread(serve, fd).detach();
    }
}
