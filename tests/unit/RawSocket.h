// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// Raw loopback TCP clients for tests and benches: they connect (the kernel
// completes the handshake whether or not the server accepts) and send or
// receive without an event loop.
#include <QByteArray>
#include <QtGlobal>

#include <cerrno>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

namespace re6st::test {

// A blocking client socket connected to 127.0.0.1:port (the kernel completes
// the handshake; the server need not have accepted). -1 on failure.
inline int rawConnect(quint16 port)
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<const sockaddr *>(&a), sizeof a) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

inline bool rawSend(int fd, const QByteArray &bytes)
{
    return ::send(fd, bytes.constData(), size_t(bytes.size()), MSG_NOSIGNAL) == bytes.size();
}

// What arrived so far without blocking; *closed once the peer closed (EOF or reset).
inline QByteArray rawReceive(int fd, bool *closed)
{
    QByteArray out;
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::recv(fd, buffer, sizeof buffer, MSG_DONTWAIT);
        if (n > 0) {
            out.append(buffer, n);
            continue;
        }
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) *closed = true;
        return out;
    }
}

} // namespace re6st::test
