// SPDX-License-Identifier: GPL-2.0-or-later
#include "registry/LocalNode.h"

#include "core/Addressing.h"
#include "core/BabelDump.h"

#include <QJsonArray>
#include <QLocalSocket>
#include <QLoggingCategory>
#include <QNetworkDatagram>
#include <QTimer>
#include <algorithm>
#include <utility>

Q_LOGGING_CATEGORY(lcLocalNode, "re6st.registry.node")

namespace re6st::registry {

QStringList TopologyGraph::addReply(const QString &responder, const QByteArray &reply)
{
    const QList<QByteArray> words = reply.simplified().split(' ');
    bool ok = false;
    const int n = words.value(0).toInt(&ok);
    if (!ok || n < 0 || n > words.size() - 1) return {};
    QStringList listed;
    for (qsizetype i = 1; i < words.size(); ++i) {
        const QString cn = QString::fromLatin1(words[i]);
        if (cn == responder || !addressing::bitsFromCn(cn)) return {}; // malformed or lists itself
        listed += cn;
    }
    QSet<QString> &out = m_graph[responder];
    for (int i = 0; i < n; ++i) out.insert(listed[i]);
    for (qsizetype i = n; i < listed.size(); ++i) m_graph[listed[i]].insert(responder);
    m_graph[QString()].insert(responder);
    return listed;
}

QJsonObject TopologyGraph::toJson() const
{
    QJsonObject json;
    for (auto it = m_graph.cbegin(); it != m_graph.cend(); ++it) {
        QStringList values(it->cbegin(), it->cend());
        values.sort();
        json.insert(it.key(), QJsonArray::fromStringList(values));
    }
    if (!json.contains(QString())) json.insert(QString(), QJsonArray());
    return json;
}

struct LocalNode::Operation
{
    quint8 code = 0;
    QTimer timer;
    std::function<bool(const QByteArray &prefix, const QByteArray &payload)> onReply;
    std::function<void()> onTimeout;
};

LocalNode::LocalNode(const QByteArray &networkBits, const QString &runDirectory, QObject *parent)
    : QObject(parent), m_network(networkBits), m_runDirectory(runDirectory)
{
    if (!m_socket.bind(QHostAddress::AnyIPv6, 0))
        qCWarning(lcLocalNode).noquote()
            << "cannot open the UDP socket toward the local re6stnet node:" << m_socket.errorString()
            << "- bootstrap peers, versions and topology will stay empty";
    connect(&m_socket, &QUdpSocket::readyRead, this, &LocalNode::onReadyRead);
}

LocalNode::~LocalNode()
{
    qDeleteAll(m_operations);
}

void LocalNode::setNodeEndpoint(const QHostAddress &address, quint16 port)
{
    m_nodeAddress = address;
    m_nodePort = port;
}

std::optional<std::pair<QByteArray, QByteArray>> LocalNode::parseReply(const QByteArray &datagram,
                                                                        quint8 code)
{
    const qsizetype nul = datagram.indexOf('\0');
    if (nul < 0 || nul + 1 >= datagram.size()) return std::nullopt;
    const QByteArray prefix = datagram.left(nul);
    if (!prefix.isEmpty() && !addressing::isBitString(prefix)) return std::nullopt;
    if (quint8(datagram[nul + 1]) != code) return std::nullopt;
    return std::make_pair(prefix, datagram.mid(nul + 2));
}

void LocalNode::send(const QByteArray &prefix, quint8 code)
{
    QByteArray datagram = prefix;
    datagram += '\0';
    datagram += char(code);
    if (m_socket.writeDatagram(datagram, m_nodeAddress, m_nodePort) < 0)
        qCDebug(lcLocalNode) << "cannot send code" << code << "to the local node:" << m_socket.errorString();
}

void LocalNode::notifyNewVersion(const QByteArray &registryPrefix)
{
    send(registryPrefix, 0);
}

void LocalNode::onReadyRead()
{
    while (m_socket.hasPendingDatagrams()) {
        const QNetworkDatagram datagram = m_socket.receiveDatagram();
        const QByteArray data = datagram.data();
        bool handled = false;
        const QList<Operation *> operations = m_operations;
        for (Operation *op : operations) {
            if (!m_operations.contains(op)) continue;
            const auto reply = parseReply(data, op->code);
            if (reply && op->onReply(reply->first, reply->second)) {
                handled = true;
                break;
            }
        }
        if (!handled) qCDebug(lcLocalNode) << "ignored datagram from the local node:" << data.left(64);
    }
}

void LocalNode::finish(Operation *op)
{
    if (!m_operations.removeOne(op)) return;
    op->timer.stop();
    // Deleted later: finish() is called from inside op's own callbacks.
    QTimer::singleShot(0, this, [op] { delete op; });
}

void LocalNode::queryAddress(const QByteArray &prefix, std::function<void(std::optional<QByteArray>)> done)
{
    auto *op = new Operation;
    op->code = 1;
    op->onReply = [this, op, prefix, done](const QByteArray &from, const QByteArray &payload) {
        if (from != prefix) return false; // late answer to an earlier query
        finish(op);
        done(payload);
        return true;
    };
    op->onTimeout = [this, op, done] {
        finish(op);
        done(std::nullopt);
    };
    m_operations.append(op);
    op->timer.setSingleShot(true);
    connect(&op->timer, &QTimer::timeout, this, [op] { op->onTimeout(); });
    op->timer.start(m_timeoutMs);
    send(prefix, 1);
}

void LocalNode::queryVersions(const QList<QByteArray> &prefixes,
                              std::function<void(QMap<QByteArray, std::optional<QByteArray>>)> done)
{
    auto *op = new Operation;
    op->code = 4;
    auto results = std::make_shared<QMap<QByteArray, std::optional<QByteArray>>>();
    for (const QByteArray &p : prefixes) results->insert(p, std::nullopt);
    auto pending = std::make_shared<int>(int(results->size()));
    op->onReply = [this, op, results, pending, done](const QByteArray &from, const QByteArray &payload) {
        auto it = results->find(from);
        if (it == results->end()) return false;
        if (!it->has_value()) --*pending;
        *it = payload;
        if (*pending == 0) {
            finish(op);
            done(*results);
        } else {
            op->timer.start(m_timeoutMs); // 3 s of silence ends the collection
        }
        return true;
    };
    op->onTimeout = [this, op, results, done] {
        finish(op);
        done(*results);
    };
    m_operations.append(op);
    op->timer.setSingleShot(true);
    connect(&op->timer, &QTimer::timeout, this, [op] { op->onTimeout(); });
    if (results->isEmpty()) {
        op->onTimeout();
        return;
    }
    op->timer.start(m_timeoutMs);
    for (const QByteArray &p : prefixes) send(p, 4);
}

void LocalNode::queryTopology(const QByteArray &start, std::function<void(QJsonObject)> done)
{
    auto *op = new Operation;
    op->code = 5;
    auto graph = std::make_shared<TopologyGraph>();
    auto asked = std::make_shared<QSet<QByteArray>>();
    op->onReply = [this, op, graph, asked](const QByteArray &from, const QByteArray &payload) {
        if (!asked->contains(from)) return false;
        const QStringList listed = graph->addReply(addressing::cnFromBits(from), payload);
        for (const QString &cn : listed) {
            const auto bits = addressing::bitsFromCn(cn);
            if (!bits || asked->contains(*bits)) continue;
            asked->insert(*bits);
            send(*bits, 5);
        }
        op->timer.start(m_timeoutMs);
        return true;
    };
    op->onTimeout = [this, op, graph, done] {
        finish(op);
        done(graph->toJson());
    };
    m_operations.append(op);
    op->timer.setSingleShot(true);
    connect(&op->timer, &QTimer::timeout, this, [op] { op->onTimeout(); });
    op->timer.start(m_timeoutMs);
    asked->insert(start);
    send(start, 5);
}

void LocalNode::routedPrefixes(std::function<void(QList<QByteArray>)> done)
{
    m_dumpWaiters.append(std::move(done));
    if (m_dumpWaiters.size() > 1) return; // a dump is already running
    auto *socket = new QLocalSocket(this);
    auto *timer = new QTimer(socket);
    auto dump = std::make_shared<BabelDump>();
    auto greeted = std::make_shared<bool>(false);
    auto finished = std::make_shared<bool>(false);
    auto finish = [this, socket, dump, finished](bool ok) {
        if (*finished) return;
        *finished = true;
        QList<QByteArray> prefixes;
        if (ok) {
            const QSet<QByteArray> set = BabelDump::routedPeerPrefixes(dump->routes(), m_network);
            prefixes = QList<QByteArray>(set.cbegin(), set.cend());
            std::sort(prefixes.begin(), prefixes.end());
        } else {
            qCDebug(lcLocalNode).noquote() << "babeld dump unavailable:" << socket->errorString();
        }
        socket->disconnect(this);
        socket->abort();
        socket->deleteLater();
        const auto waiters = std::exchange(m_dumpWaiters, {});
        for (const auto &waiter : waiters) waiter(prefixes);
    };
    timer->setSingleShot(true);
    connect(timer, &QTimer::timeout, this, [finish] { finish(false); });
    connect(socket, &QLocalSocket::errorOccurred, this, [finish] { finish(false); });
    connect(socket, &QLocalSocket::disconnected, this, [finish] { finish(false); });
    connect(socket, &QLocalSocket::readyRead, this, [socket, dump, greeted, finish] {
        for (const BabelDump::Reply reply : dump->feed(socket->readAll())) {
            if (reply != BabelDump::Reply::Ok) return finish(false);
            if (!*greeted) {
                *greeted = true;
                dump->clearTables();
                socket->write("dump\n");
            } else {
                return finish(true);
            }
        }
    });
    timer->start(DumpTimeoutMs);
    socket->connectToServer(m_runDirectory + QStringLiteral("/babeld.sock"));
}

} // namespace re6st::registry
