// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/BabelControl.h"

namespace re6st::daemon {

namespace {
constexpr qsizetype kMaxLine = 64 * 1024; // babeld lines are < 1 KiB
}

BabelControl::BabelControl(const QString &socketPath, QObject *parent)
    : QObject(parent), m_path(socketPath), m_socket(new QLocalSocket(this))
{
    m_retryTimer.setSingleShot(true);
    m_replyTimer.setSingleShot(true);
    connect(&m_retryTimer, &QTimer::timeout, this, &BabelControl::tryConnect);
    connect(&m_replyTimer, &QTimer::timeout, this, [this] {
        abortConnection(QStringLiteral("babeld did not answer within %1 ms; reconnecting").arg(m_replyTimeoutMs));
    });
    connect(m_socket, &QLocalSocket::connected, this, &BabelControl::onConnected);
    connect(m_socket, &QLocalSocket::disconnected, this, &BabelControl::onDisconnected);
    connect(m_socket, &QLocalSocket::readyRead, this, &BabelControl::onReadyRead);
    connect(m_socket, &QLocalSocket::errorOccurred, this, [this](QLocalSocket::LocalSocketError) {
        // Connection attempt failed (babeld not up yet): try again later.
        // Errors of an established connection end in onDisconnected().
        if (!m_inFlight && !m_ready) onDisconnected();
    });
}

BabelControl::~BabelControl()
{
    m_running = false;
    m_socket->disconnect(this);
    m_socket->abort();
}

void BabelControl::start()
{
    m_running = true;
    tryConnect();
}

void BabelControl::stop()
{
    m_running = false;
    m_retryTimer.stop();
    m_socket->abort();
    onDisconnected();
}

void BabelControl::tryConnect()
{
    if (!m_running || m_socket->state() != QLocalSocket::UnconnectedState) return;
    m_socket->connectToServer(m_path, QIODevice::ReadWrite);
}

void BabelControl::onConnected()
{
    m_buffer.clear();
    m_dump = BabelDump();
    m_queue.clear();
    m_inFlight = Command::Greeting; // §4.5: BABEL 1.0 / version / host / my-id / ok
    m_replyTimer.start(m_replyTimeoutMs);
}

void BabelControl::onDisconnected()
{
    const bool wasConnected = m_ready || m_inFlight;
    m_ready = false;
    m_monitorActive = false;
    m_inFlight.reset();
    m_queue.clear();
    m_buffer.clear();
    m_replyTimer.stop();
    if (m_dumpWaiters) finishDumps(false);
    if (wasConnected) Q_EMIT disconnected();
    if (m_running && !m_retryTimer.isActive()) m_retryTimer.start(m_retryMs);
}

void BabelControl::abortConnection(const QString &why)
{
    Q_EMIT protocolError(why);
    m_socket->abort();
    if (m_ready || m_inFlight) onDisconnected(); // in case abort() did not signal it
}

void BabelControl::onReadyRead()
{
    m_buffer += m_socket->readAll();
    qsizetype start = 0;
    for (qsizetype nl; (nl = m_buffer.indexOf('\n', start)) >= 0; start = nl + 1) {
        handleLine(QByteArrayView(m_buffer).sliced(start, nl - start));
        if (m_socket->state() != QLocalSocket::ConnectedState) return; // aborted meanwhile
    }
    m_buffer.remove(0, start);
    if (m_buffer.size() > kMaxLine)
        abortConnection(QStringLiteral("babeld sent an over-long line; reconnecting"));
}

void BabelControl::handleLine(QByteArrayView line)
{
    const bool answering = m_inFlight == Command::Dump || m_inFlight == Command::Monitor
                           || m_inFlight == Command::Greeting;
    const QList<BabelDump::Reply> replies = m_dump.feed(QByteArray(line.data(), line.size()) + '\n');
    if (replies.isEmpty()) {
        if (!answering && m_monitorActive) {
            const BabelDump::Line parsed = BabelDump::parseLine(line);
            switch (parsed.kind) {
            case BabelDump::Line::Kind::Interface:
            case BabelDump::Line::Kind::Neighbour:
            case BabelDump::Line::Kind::Route:
            case BabelDump::Line::Kind::XRoute:
                Q_EMIT changed(parsed);
                break;
            default:
                break;
            }
        }
        return;
    }
    const BabelDump::Reply reply = replies.constLast();
    if (!m_inFlight) {
        abortConnection(QStringLiteral("babeld sent an unexpected reply; reconnecting"));
        return;
    }
    const Command done = *m_inFlight;
    m_inFlight.reset();
    m_replyTimer.stop();
    switch (done) {
    case Command::Greeting:
        if (!m_dump.greeted() || reply != BabelDump::Reply::Ok) {
            abortConnection(QStringLiteral("%1 does not look like babeld's local interface; check the -g/-G path")
                                .arg(m_path));
            return;
        }
        m_ready = true;
        Q_EMIT ready();
        if (!m_ready) return; // stopped from a slot
        if (m_monitoring) m_queue.append(Command::Monitor);
        if (m_dumpWaiters) m_queue.append(Command::Dump);
        break;
    case Command::Dump:
        finishDumps(reply == BabelDump::Reply::Ok);
        break;
    case Command::Monitor:
        m_monitorActive = reply == BabelDump::Reply::Ok;
        if (!m_monitorActive) Q_EMIT protocolError(QStringLiteral("babeld refused `monitor`"));
        break;
    case Command::Unmonitor:
        m_monitorActive = false;
        break;
    }
    sendNext();
}

void BabelControl::sendNext()
{
    if (!m_ready || m_inFlight || m_queue.isEmpty()) return;
    const Command c = m_queue.takeFirst();
    QByteArray text;
    switch (c) {
    case Command::Dump: text = "dump\n"; break;
    case Command::Monitor: text = "monitor\n"; break;
    case Command::Unmonitor: text = "unmonitor\n"; break;
    case Command::Greeting: return;
    }
    // Both answers list the complete state: drop records of the previous one.
    if (c == Command::Dump || c == Command::Monitor) m_dump.clearTables();
    m_inFlight = c;
    m_replyTimer.start(m_replyTimeoutMs);
    m_socket->write(text);
}

void BabelControl::requestDump()
{
    ++m_dumpWaiters;
    if (m_socket->state() != QLocalSocket::ConnectedState) {
        // §4.3 step 1: babeld not (yet) reachable ⇒ empty dump.
        QTimer::singleShot(0, this, [this] {
            if (m_dumpWaiters && !m_ready && !m_inFlight) finishDumps(false);
        });
        return;
    }
    if (!m_ready) return; // queued after the greeting
    if (m_inFlight == Command::Dump && m_queue.contains(Command::Dump)) return;
    if (!m_queue.contains(Command::Dump)) m_queue.append(Command::Dump);
    sendNext();
}

void BabelControl::setMonitoring(bool enabled)
{
    if (m_monitoring == enabled) return;
    m_monitoring = enabled;
    if (!m_ready) return;
    m_queue.removeAll(Command::Monitor);
    m_queue.removeAll(Command::Unmonitor);
    const bool willMonitor = m_inFlight == Command::Monitor || m_monitorActive;
    if (enabled && !willMonitor) m_queue.append(Command::Monitor);
    if (!enabled && willMonitor) m_queue.append(Command::Unmonitor);
    sendNext();
}

BabelControl::Tables BabelControl::tables() const
{
    Tables t;
    t.interfaces = m_dump.interfaces();
    t.neighbours = m_dump.neighbours();
    t.routes = m_dump.routes();
    t.xroutes = m_dump.xroutes();
    t.valid = m_ready;
    return t;
}

void BabelControl::finishDumps(bool valid)
{
    m_dumpWaiters = 0;
    Q_EMIT dumped(valid ? tables() : Tables());
}

} // namespace re6st::daemon
