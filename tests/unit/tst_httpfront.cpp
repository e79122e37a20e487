// SPDX-License-Identifier: GPL-2.0-or-later
// HttpFront over real TCP on 127.0.0.1 (registry-protocol.md §4.1, §4.2, §5.3).
#include "DescriptorFill.h"
#include "core/HmacRatchet.h"
#include "core/crypto/Certificate.h"
#include "core/crypto/Digest.h"
#include "core/crypto/RsaKey.h"
#include "registry/HttpFront.h"
#include "registry/HttpRequestParser.h"
#include "registry/RegistryService.h"
#include "registry/RegistryStore.h"

#include <QElapsedTimer>
#include <QFile>
#include <QRegularExpression>
#include <QScopeGuard>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QTest>
#include <memory>
#include <vector>

using namespace re6st;
using namespace re6st::registry;

namespace {

QByteArray readVector(const QString &relative)
{
    QFile file(qEnvironmentVariable("RE6ST_VECTORS", QStringLiteral("/work/shared/vectors")) + QLatin1Char('/') + relative);
    if (!file.open(QIODevice::ReadOnly)) qFatal("missing vector %s", qPrintable(relative));
    return file.readAll();
}

struct Reply
{
    int status = 0;
    QByteArray head; // status line + headers
    QByteArray body;
    bool closed = false;
    QByteArray header(const QByteArray &name) const
    {
        for (const QByteArray &line : head.split('\n')) {
            const qsizetype colon = line.indexOf(':');
            if (colon > 0 && line.left(colon).trimmed().toLower() == name.toLower()) return line.mid(colon + 1).trimmed();
        }
        return {};
    }
    bool hasHeader(const QByteArray &name) const { return !header(name).isNull(); }
};

// Minimal client: sends raw bytes, reads one response (Content-Length framed or until close).
class Client
{
public:
    explicit Client(quint16 port)
    {
        m_socket.connectToHost(QHostAddress::LocalHost, port);
        wait([this] { return m_socket.state() == QAbstractSocket::ConnectedState; });
    }
    bool connected() const { return m_socket.state() == QAbstractSocket::ConnectedState; }
    void send(const QByteArray &raw) { m_socket.write(raw); }
    Reply read()
    {
        Reply reply;
        wait([&] {
            m_buffer += m_socket.readAll();
            const qsizetype end = m_buffer.indexOf("\r\n\r\n");
            if (end < 0) return m_socket.state() == QAbstractSocket::UnconnectedState;
            reply.head = m_buffer.left(end);
            const QByteArray length = reply.header("content-length");
            if (length.isNull()) {
                // 204 (or close-delimited): nothing more to read.
                return reply.head.startsWith("HTTP/1.1 204") || m_socket.state() == QAbstractSocket::UnconnectedState;
            }
            return m_buffer.size() >= end + 4 + length.toLongLong();
        });
        const qsizetype end = m_buffer.indexOf("\r\n\r\n");
        if (end < 0) {
            reply.closed = true;
            return reply;
        }
        reply.head = m_buffer.left(end);
        const QByteArray length = reply.header("content-length");
        const qsizetype size = length.isNull() ? 0 : length.toLongLong();
        reply.body = m_buffer.mid(end + 4, size);
        m_buffer.remove(0, end + 4 + size);
        reply.status = reply.head.mid(9, 3).toInt();
        return reply;
    }
    bool waitClosed()
    {
        return wait([this] {
            m_socket.readAll();
            return m_socket.state() == QAbstractSocket::UnconnectedState;
        });
    }

private:
    template<typename F> static bool wait(F done)
    {
        QElapsedTimer timer;
        timer.start();
        while (!done()) {
            if (timer.elapsed() > 10000) return false;
            QCoreApplication::processEvents(QEventLoop::AllEvents, 10);
        }
        return true;
    }
    QTcpSocket m_socket;
    QByteArray m_buffer;
};

// 16 MiB, far more than a loopback socket's send buffer; a 23-byte cycle, so a
// chunk sent twice, dropped or out of order shows (unless its size is a multiple of 23).
const QByteArray &bigBody()
{
    static const QByteArray body = [] {
        QByteArray b(16 * 1024 * 1024, Qt::Uninitialized);
        for (qsizetype i = 0; i < b.size(); ++i) b[i] = char('a' + (i % 23));
        return b;
    }();
    return body;
}

Reply roundTrip(quint16 port, const QByteArray &raw)
{
    Client client(port);
    client.send(raw);
    return client.read();
}

} // namespace

class tst_HttpFront final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    RegistryStore m_store;
    std::unique_ptr<RegistryService> m_service;
    std::unique_ptr<HttpFront> m_front;
    std::unique_ptr<HttpFront> m_echo; // answers the raw target
    quint16 m_port = 0;
    quint16 m_echoPort = 0;
    int m_echoCalls = 0;
    std::unique_ptr<HttpFront> m_held; // keeps every responder: the requests stay unanswered
    std::vector<HttpFront::Responder> m_heldReplies;

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        const QString db = m_dir.filePath("registry.db");
        QVERIFY(QFile::copy(qEnvironmentVariable("RE6ST_VECTORS", QStringLiteral("/work/shared/vectors")) + "/registry-db/registry.db", db));
        QString error;
        QVERIFY2(m_store.open(db, &error), qPrintable(error));
        RegistryOptions options;
        options.ca = "ca.crt";
        options.key = "ca.key";
        RegistryService::Dependencies deps;
        deps.store = &m_store;
        deps.ca = *crypto::Certificate::fromPem(readVector("crypto/ca.crt"));
        deps.caKey = *crypto::RsaKey::fromPem(readVector("crypto/ca.key"));
        deps.dh = readVector("crypto/dh2048.pem");
        m_service = std::make_unique<RegistryService>(options, deps);
        QVERIFY2(m_service->start(&error), qPrintable(error));
        RegistryService *service = m_service.get();
        m_front = std::make_unique<HttpFront>([service](const HttpRequest &r, HttpFront::Responder reply) {
            service->handle(r, std::move(reply));
        });
        QVERIFY2(m_front->listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));
        m_port = m_front->serverPort();
        m_echo = std::make_unique<HttpFront>([this](const HttpRequest &r, HttpFront::Responder reply) {
            ++m_echoCalls;
            // "/big": more than the kernel takes at once (see largeAnswers).
            reply(HttpResponse{200, r.target == "/big" ? bigBody() : r.target, {}});
        });
        QVERIFY2(m_echo->listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));
        m_echoPort = m_echo->serverPort();
    }

    void nonGetIs501()
    {
        const Reply r = roundTrip(m_port, "POST /getCa HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
        QCOMPARE(r.status, 501);
        QCOMPARE(r.header("connection"), QByteArray("close"));
        QVERIFY(!r.hasHeader("re6sthmac"));
        QCOMPARE(roundTrip(m_port, "DELETE /getCa HTTP/1.0\r\n\r\n").status, 501);
    }

    void badTargetsAndParams_data()
    {
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<int>("status");
        QTest::newRow("unknown method") << QByteArray("/nope") << 400;
        QTest::newRow("two slashes") << QByteArray("/x/getCa") << 400;
        QTest::newRow("no slash") << QByteArray("getCa") << 400;
        QTest::newRow("absolute form") << QByteArray("http://h/getCa") << 400;
        QTest::newRow("unknown param") << QByteArray("/getCa?a=b") << 400;
        QTest::newRow("missing param") << QByteArray("/isToken") << 400;
        QTest::newRow("no equals") << QByteArray("/isToken?token") << 400;
        QTest::newRow("bad percent") << QByteArray("/isToken?token=%G1") << 400;
        QTest::newRow("ok 204") << QByteArray("/isToken?token=nope") << 204;
        QTest::newRow("pending token") << QByteArray("/isToken?token=xlahurbj") << 200;
    }
    void badTargetsAndParams()
    {
        QFETCH(QByteArray, target);
        QFETCH(int, status);
        const Reply r = roundTrip(m_port, "GET " + target + " HTTP/1.1\r\nHost: x\r\n\r\n");
        QCOMPARE(r.status, status);
        if (status >= 400) QCOMPARE(r.header("connection"), QByteArray("close"));
    }

    void framingAndKeepAlive()
    {
        Client client(m_port);
        client.send("GET /getCa HTTP/1.1\r\nHost: x\r\n\r\n");
        Reply r = client.read();
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("content-length").toInt(), r.body.size());
        QVERIFY(r.body.startsWith("-----BEGIN CERTIFICATE-----"));
        QVERIFY(!r.hasHeader("connection"));
        // Same connection, 204: no Content-Length, no body.
        client.send("GET /isToken?token=nope HTTP/1.1\r\nHost: x\r\n\r\n");
        r = client.read();
        QCOMPARE(r.status, 204);
        QVERIFY(!r.hasHeader("content-length"));
        QVERIFY(r.body.isEmpty());
        // Two requests in one write (pipelined) still get two answers in order.
        client.send("GET /isToken?token=xlahurbj HTTP/1.1\r\n\r\nGET /getCa HTTP/1.1\r\n\r\n");
        r = client.read();
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, QByteArray("1"));
        r = client.read();
        QCOMPARE(r.status, 200);
        QVERIFY(r.body.startsWith("-----BEGIN CERTIFICATE-----"));
        QVERIFY(client.connected());
        // Connection: close is honoured.
        client.send("GET /getCa HTTP/1.1\r\nConnection: close\r\n\r\n");
        r = client.read();
        QCOMPARE(r.status, 200);
        QVERIFY(client.waitClosed());
    }

    // A keep-alive answer goes straight to the kernel, and what the kernel
    // does not take at once through QTcpSocket: the bytes arrive whole and in
    // order, also when the next answer (pipelined) is ready before the
    // first one is out.
    void largeAnswers()
    {
        Client client(m_echoPort);
        client.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\n\r\n");
        Reply r = client.read();
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body.size(), bigBody().size());
        QVERIFY(r.body == bigBody());
        r = client.read();
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, QByteArray("/after"));
        QVERIFY(client.connected());
        client.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n");
        r = client.read();
        QVERIFY(r.body == bigBody());
        client.send("GET /last HTTP/1.1\r\nHost: x\r\n\r\n");
        QCOMPARE(client.read().body, QByteArray("/last"));
    }

    void http10Closes()
    {
        Client client(m_port);
        client.send("GET /getCa HTTP/1.0\r\n\r\n");
        const Reply r = client.read();
        QCOMPARE(r.status, 200);
        QCOMPARE(r.header("connection"), QByteArray("close"));
        QVERIFY(client.waitClosed());
    }

    void oversizedRequests()
    {
        // A 16 KB target (a big CSR) is fine; the answer is about the parameters, not the size.
        const QByteArray big = "/isToken?token=" + QByteArray(16 * 1024, 'a');
        Reply r = roundTrip(m_port, "GET " + big + " HTTP/1.1\r\nHost: x\r\n\r\n");
        QCOMPARE(r.status, 204);
        // Too long a request line, sent in pieces without CRLF: 414 and close.
        Client client(m_port);
        const QByteArray chunk(8192, 'a');
        client.send("GET /isToken?token=");
        for (int i = 0; i < 6; ++i) client.send(chunk);
        r = client.read();
        QCOMPARE(r.status, 414);
        QVERIFY(client.waitClosed());
        // Too many header bytes: 431.
        QByteArray headers;
        for (int i = 0; i < 90; ++i) headers += "X-Filler-" + QByteArray::number(i) + ": " + QByteArray(1000, 'b') + "\r\n";
        r = roundTrip(m_port, "GET /getCa HTTP/1.1\r\n" + headers + "\r\n");
        QCOMPARE(r.status, 431);
        // A 100 KB request line sent at once (CRLF and headers included): 414,
        // as HttpFront.h documents, not 431.
        r = roundTrip(m_port, "GET /isToken?token=" + QByteArray(100 * 1024, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n");
        QCOMPARE(r.status, 414);
        // A 100 KB header field after a short request line: 431.
        r = roundTrip(m_port, "GET /getCa HTTP/1.1\r\nX-Junk: " + QByteArray(100 * 1024, 'j') + "\r\n\r\n");
        QCOMPARE(r.status, 431);
        // Garbage request line.
        QCOMPARE(roundTrip(m_port, "HELLO\r\n\r\n").status, 400);
        QCOMPARE(roundTrip(m_port, "GET /getCa SPDY/9\r\n\r\n").status, 400);
        // The server is still alive.
        QCOMPARE(roundTrip(m_port, "GET /getCa HTTP/1.1\r\n\r\n").status, 200);
    }

    // HttpRequestParser alone (no sockets).
    void parserComplete()
    {
        const QByteArray two = "GET /getCa?x=%2b HTTP/1.1\r\nHost: a\r\nX-A: 1\r\nx-a:  2 \r\n\r\nGET /next HTTP/1.0\r\n\r\n";
        auto r = HttpRequestParser::parse(two);
        QCOMPARE(r.state, HttpRequestParser::State::Complete);
        QCOMPARE(r.request.method, QByteArray("GET"));
        QCOMPARE(r.request.target, QByteArray("/getCa?x=%2b"));
        QCOMPARE(r.request.version, QByteArray("HTTP/1.1"));
        QCOMPARE(r.request.headers.size(), 3);
        QCOMPARE(r.request.header("x-a"), QByteArray("2"));
        QVERIFY(r.keepAlive);
        QCOMPARE(r.consumed, two.indexOf("GET /next"));
        r = HttpRequestParser::parse(QByteArrayView(two).sliced(r.consumed));
        QCOMPARE(r.state, HttpRequestParser::State::Complete);
        QCOMPARE(r.request.target, QByteArray("/next"));
        QVERIFY(!r.keepAlive); // HTTP/1.0
        r = HttpRequestParser::parse("GET / HTTP/1.1\r\nConnection: Close\r\n\r\n");
        QCOMPARE(r.state, HttpRequestParser::State::Complete);
        QVERIFY(!r.keepAlive);
        // Every prefix of a head waits for more.
        for (qsizetype n = 0; n < two.indexOf("\r\n\r\n") + 3; ++n)
            QCOMPARE(HttpRequestParser::parse(QByteArrayView(two).first(n)).state, HttpRequestParser::State::NeedMore);
    }

    void parserErrors_data()
    {
        QTest::addColumn<QByteArray>("input");
        QTest::addColumn<int>("status");
        const qsizetype line = HttpRequestParser::MaxRequestLine;
        const QByteArray longTarget = "/" + QByteArray(line, 'a');
        QTest::newRow("long line, no CRLF yet") << "GET " + longTarget << 414;
        QTest::newRow("long line, complete") << "GET " + longTarget + " HTTP/1.1\r\n\r\n" << 414;
        QTest::newRow("100 KB line with headers")
            << "GET /" + QByteArray(100 * 1024, 'a') + " HTTP/1.1\r\nHost: x\r\n\r\n" << 414;
        QTest::newRow("line at the limit, head too big")
            << "GET /" + QByteArray(line - 14, 'a') + " HTTP/1.1\r\nX: " + QByteArray(40 * 1024, 'b') + "\r\n\r\n" << 431;
        QTest::newRow("header too big, incomplete") << "GET / HTTP/1.1\r\nX: " + QByteArray(70 * 1024, 'b') << 431;
        QByteArray fields;
        for (int i = 0; i < 101; ++i) fields += "F" + QByteArray::number(i) + ": v\r\n";
        QTest::newRow("101 fields") << "GET / HTTP/1.1\r\n" + fields + "\r\n" << 431;
        QTest::newRow("no target") << QByteArray("GET HTTP/1.1\r\n\r\n") << 400;
        QTest::newRow("space in target") << QByteArray("GET /a b HTTP/1.1\r\n\r\n") << 400;
        QTest::newRow("bad version") << QByteArray("GET / HTTP/2\r\n\r\n") << 400;
        QTest::newRow("folded header") << QByteArray("GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n") << 400;
        QTest::newRow("no colon") << QByteArray("GET / HTTP/1.1\r\nA\r\n\r\n") << 400;
        QTest::newRow("POST") << QByteArray("POST / HTTP/1.1\r\n\r\n") << 501;
        QTest::newRow("body") << QByteArray("GET / HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc") << 400;
        QTest::newRow("chunked") << QByteArray("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n") << 400;
    }

    void parserErrors()
    {
        QFETCH(QByteArray, input);
        QFETCH(int, status);
        const auto r = HttpRequestParser::parse(input);
        QCOMPARE(r.state, HttpRequestParser::State::Error);
        QCOMPARE(r.status, status);
        QVERIFY(!r.message.isEmpty());
    }

    void rawTargetPreserved()
    {
        const QByteArray target = "/m?a=%2B%2b%41+%7E&b=%2F~x";
        const Reply r = roundTrip(m_echoPort, "GET " + target + " HTTP/1.1\r\n\r\n");
        QCOMPARE(r.status, 200);
        QCOMPARE(r.body, target);
    }

    void rawTargetHmac()
    {
        // Node 1/16 of the vector DB; the MAC covers the target exactly as sent.
        const auto nodeKey = crypto::RsaKey::fromPem(readVector("crypto/node-1-16.key"));
        Reply r = roundTrip(m_port, "GET /hello?client_prefix=0000000000000001&protocol=10 HTTP/1.1\r\n\r\n");
        QCOMPARE(r.status, 200);
        HmacRatchet ratchet(*nodeKey->decrypt(r.body.left(r.body.size() / 2)));
        // %30 = '0': decodes to the same cn but must be hashed as sent.
        QByteArray target = "/getDh?cn=%30000000000000001";
        Client client(m_port);
        client.send("GET " + target + " HTTP/1.1\r\nRe6stHMAC: " + ratchet.signRequest(target) + "\r\n\r\n");
        r = client.read();
        QCOMPARE(r.status, 200);
        QVERIFY(ratchet.verifyResponse(r.body, r.header("re6sthmac")));
        // '%2B' in the query (address=+1): authentication passes, then "no GeoIP" → 400.
        target = "/getCountry?cn=0000000000000001&address=2001%3Adb8%3A%3A1%2B";
        client.send("GET " + target + " HTTP/1.1\r\nRe6stHMAC: " + ratchet.signRequest(target) + "\r\n\r\n");
        r = client.read();
        QCOMPARE(r.status, 400);
        QVERIFY2(r.body.contains("GeoIP"), r.body.constData());
        QVERIFY(!r.hasHeader("re6sthmac"));
        // The same MAC over a re-encoded target (%2b) is rejected as "Wrong HMAC".
        Client again(m_port);
        const QByteArray reencoded = "/getNetworkConfig?cn=0000000000000001";
        const QByteArray mac = ratchet.signRequest(reencoded);
        again.send("GET /getNetworkConfig?cn=%30000000000000001 HTTP/1.1\r\nRe6stHMAC: " + mac + "\r\n\r\n");
        r = again.read();
        QCOMPARE(r.status, 400);
        QVERIFY(r.body.contains("Wrong HMAC"));
    }

    // A client that pipelines requests without reading the answers is held
    // back: after the first 16 MiB answer no further request is served until
    // the client reads; then every answer arrives, in order. (Before, each
    // request was answered into QTcpSocket's write buffer at once.)
    void unreadAnswersHoldThePipeline()
    {
        const int fd = test::rawConnect(m_echoPort);
        QVERIFY(fd >= 0);
        auto closeFd = qScopeGuard([fd] { ::close(fd); });
        const int count = 8;
        QByteArray pipelined;
        for (int i = 0; i < count; ++i) pipelined += "GET /big HTTP/1.1\r\n\r\n";
        pipelined += "GET /end HTTP/1.1\r\n\r\n";
        const int before = m_echoCalls;
        QVERIFY(test::rawSend(fd, pipelined));
        QVERIFY(QTest::qWaitFor([&] { return m_echoCalls > before; }, 10000));
        // Without the bound, each pass of the event loop serves one more request.
        for (int pass = 0; pass < 200; ++pass) QCoreApplication::processEvents();
        QVERIFY2(m_echoCalls - before <= 2, qPrintable(QString::number(m_echoCalls - before)));
        // Reading lets the pipeline go on, to the end.
        QByteArray got;
        bool closed = false;
        const qsizetype expected = count * bigBody().size();
        QVERIFY(QTest::qWaitFor(
            [&] {
                got += test::rawReceive(fd, &closed);
                return got.endsWith("/end") || closed;
            },
            60000));
        QCOMPARE(m_echoCalls - before, count + 1);
        QCOMPARE(got.count("HTTP/1.1 200 OK\r\n"), count + 1);
        QVERIFY(got.size() > expected);
    }

    // While a request is being served, a client that keeps sending is held
    // back by TCP: the front reads at most a request head ahead (before, it
    // read everything into its buffer).
    void pipelinedInputIsBounded()
    {
        m_held = std::make_unique<HttpFront>(
            [this](const HttpRequest &, HttpFront::Responder reply) { m_heldReplies.push_back(std::move(reply)); });
        QString error;
        QVERIFY2(m_held->listen(QHostAddress::LocalHost, 0, &error), qPrintable(error));
        const int fd = test::rawConnect(m_held->serverPort());
        QVERIFY(fd >= 0);
        auto closeFd = qScopeGuard([fd] { ::close(fd); });
        QVERIFY(test::rawSend(fd, "GET /first HTTP/1.1\r\n\r\n"));
        QVERIFY(QTest::qWaitFor([&] { return m_heldReplies.size() == 1; }, 10000));
        QByteArray chunk;
        while (chunk.size() < 1024 * 1024) chunk += "GET /more HTTP/1.1\r\n\r\n";
        qint64 sent = 0;
        const qint64 cap = 64 * 1024 * 1024; // far beyond the kernel's socket buffers
        for (int pass = 0; pass < 500 && sent < cap; ++pass) {
            const ssize_t n = ::send(fd, chunk.constData(), size_t(chunk.size()), MSG_DONTWAIT | MSG_NOSIGNAL);
            if (n > 0) sent += n;
            QCoreApplication::processEvents();
        }
        QVERIFY2(sent < cap / 2, qPrintable(QStringLiteral("%1 bytes taken").arg(sent)));
        QCOMPARE(m_heldReplies.size(), size_t(1));
        m_heldReplies.clear();
        m_held.reset();
    }

    // Out of file descriptors, a waiting client gets the §4.2 error page with
    // 503 at once (platform/TcpAcceptor), and the front serves again after.
    void outOfDescriptorsIs503()
    {
        const int fd = test::rawConnect(m_echoPort);
        QVERIFY(fd >= 0);
        QVERIFY(test::rawSend(fd, "GET /waiting HTTP/1.1\r\n\r\n"));
        const auto answers = test::receiveWhileFull({fd});
        QVERIFY2(answers, "not answered while out of descriptors");
        const QByteArray got = answers->front();
        ::close(fd);
        const qsizetype end = got.indexOf("\r\n\r\n");
        QVERIFY2(end > 0, got.constData());
        Reply r;
        r.head = got.left(end);
        r.body = got.mid(end + 4);
        QVERIFY2(r.head.startsWith("HTTP/1.1 503 Service Unavailable\r\n"), r.head.constData());
        QCOMPARE(r.header("Connection"), QByteArray("close"));
        QCOMPARE(r.header("Content-Type"), QByteArray("text/html;charset=utf-8"));
        QCOMPARE(r.header("Content-Length").toLongLong(), r.body.size());
        QVERIFY(!r.hasHeader("Re6stHMAC"));
        QVERIFY(r.body.contains("<h1>503 Service Unavailable</h1><p>too many connections at once, retry in a moment</p>"));

        QTest::ignoreMessage(QtInfoMsg, QRegularExpression(QStringLiteral("accepting connections on port \\d+ again")));
        const Reply after = roundTrip(m_echoPort, "GET /after HTTP/1.1\r\n\r\n");
        QCOMPARE(after.status, 200);
        QCOMPARE(after.body, QByteArray("/after"));
    }

    void cleanupTestCase()
    {
        m_front.reset();
        m_echo.reset();
        m_service.reset();
    }
};

QTEST_GUILESS_MAIN(tst_HttpFront)
#include "tst_httpfront.moc"
