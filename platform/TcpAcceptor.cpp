// SPDX-License-Identifier: GPL-2.0-or-later
#include "platform/TcpAcceptor.h"

#include <QLoggingCategory>
#include <QTcpServer>
#include <QTcpSocket>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

Q_LOGGING_CATEGORY(lcAccept, "re6st.accept")

namespace re6st::platform {

namespace {

int openSpare()
{
    return ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

bool outOfDescriptors(int error)
{
    return error == EMFILE || error == ENFILE || error == ENOBUFS || error == ENOMEM;
}

// accept(2), "Error handling": Linux passes pending network errors of the new
// connection on as accept errors; retrying is the documented answer.
bool connectionError(int error)
{
    switch (error) {
    case EINTR:
    case ECONNABORTED:
    case EPERM: // a firewall rule refused this connection
    case ENETDOWN:
    case EPROTO:
    case ENOPROTOOPT:
    case EHOSTDOWN:
    case ENONET:
    case EHOSTUNREACH:
    case EOPNOTSUPP:
    case ENETUNREACH:
        return true;
    default:
        return false;
    }
}

QString descriptorLimit()
{
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return QStringLiteral("?");
    return QString::number(quint64(limit.rlim_cur));
}

} // namespace

TcpAcceptor::TcpAcceptor(QTcpServer &server, Refusal refusal, Handler handler, QObject *parent)
    : QObject(parent), m_server(server), m_refusal(std::move(refusal)), m_handler(std::move(handler)),
      m_notifier(QSocketNotifier::Read), m_spare(openSpare())
{
    // QTcpServer's own notifier goes off first (one notifier per descriptor
    // and type in Qt's dispatchers): only this one accepts.
    if (m_server.isListening()) m_server.pauseAccepting();
    m_notifier.setSocket(server.socketDescriptor());
    m_notifier.setEnabled(true);
    m_retry.setSingleShot(true);
    connect(&m_retry, &QTimer::timeout, this, [this] { m_notifier.setEnabled(true); });
    connect(&m_notifier, &QSocketNotifier::activated, this, &TcpAcceptor::onReadable);
}

TcpAcceptor::~TcpAcceptor()
{
    m_notifier.setEnabled(false);
    if (m_spare >= 0) ::close(m_spare);
}

void TcpAcceptor::close()
{
    m_retry.stop();
    m_notifier.setEnabled(false); // before the descriptor goes away
    m_server.close();
}

void TcpAcceptor::onReadable()
{
    const int listening = int(m_server.socketDescriptor());
    if (listening < 0) return m_notifier.setEnabled(false);
    // At most MaxPerWakeup per call: a flood of connections must not starve
    // the event loop (the notifier fires again on its next pass).
    for (int round = 0; round < MaxPerWakeup; ++round) {
        const int fd = ::accept4(listening, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) {
            const int error = errno;
            if (error == EAGAIN || error == EWOULDBLOCK) return;
            if (connectionError(error)) continue;
            if (outOfDescriptors(error)) {
                if (!m_exhausted) {
                    m_exhausted = true;
                    m_refusedInEpisode = 0;
                    const QString why = QString::fromLocal8Bit(std::strerror(error));
                    if (error == EMFILE || error == ENFILE)
                        qCWarning(lcAccept).noquote()
                            << QStringLiteral("out of file descriptors (%1, limit %2) on port %3: new connections "
                                              "are refused until some close; raise the limit (systemd: LimitNOFILE=)")
                                   .arg(why, descriptorLimit())
                                   .arg(m_server.serverPort());
                    else
                        qCWarning(lcAccept).noquote()
                            << QStringLiteral("out of memory for connections (%1) on port %2: new connections are "
                                              "refused until some close")
                                   .arg(why)
                                   .arg(m_server.serverPort());
                }
                const Shed shedding = shed();
                if (shedding == Shed::One) continue;
                if (shedding == Shed::Impossible) pause(RetryMs);
                return;
            }
            qCWarning(lcAccept).noquote() << QStringLiteral("accept on port %1 failed: %2; retrying in %3 ms")
                                                 .arg(m_server.serverPort())
                                                 .arg(QString::fromLocal8Bit(std::strerror(error)))
                                                 .arg(ErrorRetryMs);
            return pause(ErrorRetryMs);
        }
        auto *socket = new QTcpSocket(&m_server);
        if (!socket->setSocketDescriptor(fd)) {
            qCWarning(lcAccept).noquote() << "cannot use an accepted connection:" << socket->errorString();
            ::close(fd);
            delete socket;
            continue;
        }
        if (m_exhausted) {
            m_exhausted = false;
            qCInfo(lcAccept).noquote() << QStringLiteral("accepting connections on port %1 again (%2 refused meanwhile)")
                                              .arg(m_server.serverPort())
                                              .arg(m_refusedInEpisode);
        }
        m_handler(socket);
    }
}

// The oldest waiting connection, accepted on the spare descriptor's number:
// what it sent is read (closing with unread data would reset the connection
// and could lose the answer), `refusal` is sent, then the connection closed.
// (Linux reports EMFILE before looking at the queue: there may be none.)
TcpAcceptor::Shed TcpAcceptor::shed()
{
    if (m_spare < 0) m_spare = openSpare();
    if (m_spare < 0) return Shed::Impossible;
    ::close(m_spare);
    const int fd = ::accept4(int(m_server.socketDescriptor()), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    const int error = errno;
    if (fd >= 0) {
        char sink[4096];
        for (int i = 0; i < 16 && ::recv(fd, sink, sizeof sink, MSG_DONTWAIT) > 0; ++i) {
        }
        const QByteArray refusal = m_refusal ? m_refusal() : QByteArray();
        [[maybe_unused]] const ssize_t sent =
            ::send(fd, refusal.constData(), size_t(refusal.size()), MSG_NOSIGNAL | MSG_DONTWAIT);
        ::shutdown(fd, SHUT_WR);
        ::close(fd);
        ++m_refused;
        ++m_refusedInEpisode;
    }
    m_spare = openSpare();
    if (fd >= 0) return Shed::One;
    return error == EAGAIN || error == EWOULDBLOCK ? Shed::NoneWaiting : Shed::Impossible;
}

void TcpAcceptor::pause(int ms)
{
    m_notifier.setEnabled(false);
    m_retry.start(ms);
}

} // namespace re6st::platform
