// SPDX-License-Identifier: GPL-2.0-or-later
// platform/TcpAcceptor over real loopback TCP: connections handed over as
// QTcpServer would, and a process out of file descriptors that answers the
// waiting clients at once, then accepts again once descriptors are free.
#include "DescriptorFill.h"
#include "platform/TcpAcceptor.h"

#include <QRegularExpression>
#include <QTcpServer>
#include <QTcpSocket>
#include <QtTest>
#include <memory>
#include <vector>

using re6st::platform::TcpAcceptor;
using namespace re6st::test;

namespace {

const QByteArray kRefusal = "REFUSED: out of descriptors\n";

// A listening server with its acceptor, and raw clients closed at the end.
struct Fixture
{
    QTcpServer server;
    std::vector<QTcpSocket *> accepted;
    std::unique_ptr<TcpAcceptor> acceptor;
    std::vector<int> clients;

    bool listen()
    {
        if (!server.listen(QHostAddress::LocalHost, 0)) return false;
        acceptor = std::make_unique<TcpAcceptor>(server, [] { return kRefusal; },
                                                 [this](QTcpSocket *s) { accepted.push_back(s); });
        return true;
    }
    // `count` more clients, each sending `request` (if any) at once.
    bool connect(int count, const QByteArray &request = {})
    {
        for (int i = 0; i < count; ++i) {
            clients.push_back(rawConnect(server.serverPort()));
            if (clients.back() < 0 || (!request.isEmpty() && !rawSend(clients.back(), request))) return false;
        }
        return true;
    }
    ~Fixture()
    {
        for (int fd : clients) ::close(fd);
    }
};

} // namespace

class TestTcpAcceptor final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void handsOverConnections()
    {
        Fixture f;
        QVERIFY(f.listen());
        QVERIFY(f.connect(3));
        QVERIFY(QTest::qWaitFor([&] { return f.accepted.size() == 3; }, 10000));
        for (QTcpSocket *s : f.accepted) {
            QCOMPARE(s->parent(), &f.server); // as QTcpServer's pending connections
            QCOMPARE(s->state(), QAbstractSocket::ConnectedState);
        }
        QVERIFY(rawSend(f.clients[1], "ping"));
        QVERIFY(QTest::qWaitFor([&] { return f.accepted[1]->bytesAvailable() == 4; }, 10000));
        QCOMPARE(f.accepted[1]->readAll(), QByteArray("ping"));
        QCOMPARE(f.acceptor->refused(), quint64(0));
        QVERIFY(!f.server.hasPendingConnections()); // Qt's own accept loop stays off
    }

    // More waiting connections than one wake-up accepts: the rest are
    // accepted on the next passes of the event loop.
    void acceptsMoreThanOneWakeup()
    {
        Fixture f;
        QVERIFY(f.listen());
        const int count = TcpAcceptor::MaxPerWakeup + 13;
        QVERIFY(f.connect(count));
        QVERIFY(QTest::qWaitFor([&] { return int(f.accepted.size()) == count; }, 10000));
    }

    // Three clients connect and send while the process has no descriptor
    // left: each gets the refusal and an orderly close (Qt's own loop would
    // leave them waiting and spin), then a fourth is accepted once the
    // descriptors are back.
    void outOfDescriptorsRefusesThenRecovers()
    {
        Fixture f;
        QVERIFY(f.listen());
        QVERIFY(f.connect(3, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
        const auto got = receiveWhileFull(f.clients);
        QVERIFY2(got, "the waiting clients were not answered while out of descriptors");
        for (const QByteArray &bytes : *got) QCOMPARE(bytes, kRefusal);
        QVERIFY(f.accepted.empty());
        QCOMPARE(f.acceptor->refused(), quint64(3));

        QTest::ignoreMessage(QtInfoMsg, QRegularExpression(QStringLiteral("accepting connections on port \\d+ again "
                                                                          "\\(3 refused meanwhile\\)")));
        QVERIFY(f.connect(1));
        QVERIFY(QTest::qWaitFor([&] { return f.accepted.size() == 1; }, 10000));
        QCOMPARE(f.acceptor->refused(), quint64(3));
    }

    void closeStopsAccepting()
    {
        Fixture f;
        QVERIFY(f.listen());
        f.acceptor->close();
        QVERIFY(!f.server.isListening());
        QTest::qWait(0);
        QVERIFY(f.accepted.empty());
    }
};

QTEST_GUILESS_MAIN(TestTcpAcceptor)
#include "tst_tcpacceptor.moc"
