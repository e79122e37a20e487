// SPDX-License-Identifier: GPL-2.0-or-later
// Hostile and broken input against a real re6st-registry process: every answer
// must be the documented status (registry-protocol.md §4.1, §4.2, §5, §6) and
// the process must survive. Then re6st-conf failure modes (§14.2).
#include "E2eSupport.h"
#include "tests/unit/DescriptorFill.h"

#include "core/Addressing.h"
#include "core/crypto/Digest.h"

#include <QRandomGenerator>
#include <QTemporaryDir>
#include <QtTest>

using namespace re6st;
using namespace re6st::e2e;

using StatusSet = QList<int>;
Q_DECLARE_METATYPE(StatusSet)

namespace {

const QByteArray kUnknownBits = "1111111111111111";

QByteArray big(char c, int size = 100 * 1024) { return QByteArray(size, c); }

// §4.4: servers must accept request lines of at least 8 KB; beyond its limits
// the registry answers 414 (request line) or 431 (head), see registry/HttpFront.h.
const StatusSet kTooLarge{400, 414, 431};

QString statusText(const StatusSet &s)
{
    QStringList l;
    for (int v : s) l << QString::number(v);
    return l.join(QLatin1Char('/'));
}

} // namespace

class BadInputE2e final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    QString m_dir;
    RegistryProcess m_registry;
    crypto::Certificate m_ca;
    QString m_fingerprint;
    crypto::RsaKey m_key;      // 2048 bits, like the CA
    QByteArray m_csr;
    QByteArray m_bitsA;        // enrolled, used with hello
    QByteArray m_bitsB;        // enrolled, never said hello
    int m_tokenCounter = 0;

    quint16 port() const { return m_registry.port(); }

    QByteArray addToken(const QByteArray &email = "e2e@example.com")
    {
        const QByteArray token = "tok" + QByteArray::number(++m_tokenCounter) + "x";
        const HttpReply r = httpGet(port(), target("addToken", {{"email", email}, {"token", token}}));
        return r.status == 204 ? token : QByteArray();
    }

    QByteArray enroll(QString *error)
    {
        const QByteArray token = addToken();
        const HttpReply r = httpGet(port(), requestCertificateTarget(token, m_csr));
        const auto cert = crypto::Certificate::fromPem(r.body);
        if (r.status != 200 || !cert) {
            *error = QStringLiteral("requestCertificate: ") + r.describe();
            return {};
        }
        const auto bits = addressing::bitsFromCn(cert->commonName());
        return bits.value_or(QByteArray());
    }

    QByteArray isToken(const QByteArray &token)
    {
        return httpGet(port(), target("isToken", {{"token", token}})).body;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        QVERIFY2(QFile::exists(registryBinary()), qPrintable(registryBinary() + QStringLiteral(" missing")));
        m_dir = m_tmp.filePath(QStringLiteral("registry"));
        QDir().mkpath(m_dir);
        QVERIFY(installVectorCa(m_dir));
        m_ca = *crypto::Certificate::fromPem(readAll(m_dir + QStringLiteral("/ca.crt")));
        m_fingerprint = QStringLiteral("sha256:") + QString::fromLatin1(m_ca.fingerprint("sha256")->toHex());
        const auto key = crypto::RsaKey::generate(2048);
        QVERIFY(key);
        m_key = *key;
        m_csr = csrPem(m_key);
        QVERIFY(!m_csr.isEmpty());
        QString error;
        // --mailhost as an mbox path: requestToken works without an SMTP server (§6.2 step 4).
        QVERIFY2(m_registry.start(RegistryProcess::config(m_dir, {QStringLiteral("--mailhost"), m_tmp.filePath(QStringLiteral("mail.mbox"))}), &error),
                 qPrintable(error));
        m_bitsA = enroll(&error);
        QVERIFY2(!m_bitsA.isEmpty(), qPrintable(error));
        m_bitsB = enroll(&error);
        QVERIFY2(!m_bitsB.isEmpty(), qPrintable(error));
    }

    void cleanupTestCase() { m_registry.stop(); }

    // After every test (and every data row): the process is alive and answers getCa.
    void cleanup()
    {
        QVERIFY2(m_registry.isRunning(), qPrintable(QStringLiteral("re6st-registry died: ") + QString::fromUtf8(m_registry.output().right(2000))));
        const HttpReply r = httpGet(port(), "/getCa");
        QCOMPARE(r.status, 200);
        QVERIFY(r.body.contains("BEGIN CERTIFICATE"));
    }

    void documentedStatus_data()
    {
        QTest::addColumn<QByteArray>("target");
        QTest::addColumn<StatusSet>("expected");
        const QByteArray a = "0000000000000000"; // first enrolled prefix (initTestCase)
        auto row = [](const char *tag, const QByteArray &t, StatusSet s) { QTest::newRow(tag) << t << s; };
        // §4.1 target grammar and query decoding.
        row("root", "/", {400});
        row("unknown method", "/nosuch", {400});
        row("unknown method with query", "/nosuch?x=1", {400});
        row("two slashes", "/getCa/extra", {400});
        row("leading double slash", "//getCa", {400});
        row("unknown key", "/getCa?x=1", {400});
        row("component without =", "/getCa?junk", {400});
        row("bad percent escape", "/getCa?a=%zz", {400});
        row("non-exported python name", "/__init__", {400});
        // hello (§5.2)
        row("hello missing", "/hello", {400});
        row("hello extra key", "/hello?client_prefix=" + a + "&protocol=10&x=1", {400});
        row("hello not bits", "/hello?client_prefix=abc", {400});
        row("hello 129 bits", "/hello?client_prefix=" + big('1', 129), {400});
        row("hello empty prefix", "/hello?client_prefix=", {400, 404});
        row("hello unknown prefix", "/hello?client_prefix=" + kUnknownBits, {404});
        row("hello protocol not int", "/hello?client_prefix=" + a + "&protocol=x", {500});
        row("hello oversized", "/hello?client_prefix=" + big('0'), kTooLarge);
        // getCa
        row("getCa oversized", "/getCa?x=" + big('a'), kTooLarge);
        // requestToken (§6.2)
        row("requestToken missing", "/requestToken", {400});
        row("requestToken two keys", "/requestToken?email=a&mail=b", {400});
        row("requestToken garbage", "/requestToken?email=%ff%fe", {204, 400, 500});
        row("requestToken oversized", "/requestToken?email=" + big('a'), kTooLarge);
        // requestCertificate (§6.3)
        row("requestCertificate missing", "/requestCertificate", {400});
        row("requestCertificate no req", "/requestCertificate?token=abc", {400});
        row("requestCertificate anonymous disabled", "/requestCertificate?token=&req=x", {403});
        row("requestCertificate unknown token", requestCertificateTarget("nosuchtk", m_csr), {204});
        // Upstream parses the CSR before looking the token up: either answer is fine.
        row("requestCertificate unknown token, garbage req", "/requestCertificate?token=nosuchtk&req=garbage", {204, 500});
        row("requestCertificate oversized", "/requestCertificate?token=abc&req=" + big('Q'), kTooLarge);
        // authenticated methods (§5.1, §18.1): empty cn rejected
        for (const char *m : {"renewCertificate", "getDh", "getNetworkConfig", "getBootstrapPeer"}) {
            QTest::newRow(qPrintable(QStringLiteral("%1 missing").arg(QLatin1String(m)))) << "/" + QByteArray(m) << StatusSet{400};
            QTest::newRow(qPrintable(QStringLiteral("%1 empty cn").arg(QLatin1String(m)))) << "/" + QByteArray(m) + "?cn=" << StatusSet{400};
            QTest::newRow(qPrintable(QStringLiteral("%1 extra key").arg(QLatin1String(m))))
                << "/" + QByteArray(m) + "?cn=" + a + "&x=1" << StatusSet{400};
            QTest::newRow(qPrintable(QStringLiteral("%1 garbage cn").arg(QLatin1String(m))))
                << "/" + QByteArray(m) + "?cn=%ff%00garbage" << StatusSet{400, 401};
            QTest::newRow(qPrintable(QStringLiteral("%1 oversized").arg(QLatin1String(m))))
                << "/" + QByteArray(m) + "?cn=" + big('1') << kTooLarge;
        }
        row("getCountry missing", "/getCountry", {400});
        row("getCountry empty cn", "/getCountry?cn=&address=127.0.0.1", {400});
        row("getCountry missing address", "/getCountry?cn=" + a, {400});
        row("getCountry oversized", "/getCountry?cn=" + a + "&address=" + big('9'), kTooLarge);
        // private methods (§6.9–§6.16), from 127.0.0.1
        row("isToken missing", "/isToken", {400});
        row("isToken empty", "/isToken?token=", {204});
        row("isToken oversized", "/isToken?token=" + big('t'), kTooLarge);
        row("deleteToken missing", "/deleteToken", {400});
        row("deleteToken unknown", "/deleteToken?token=nosuch", {204});
        row("addToken email only", "/addToken?email=a%40example.com", {400});
        row("addToken token only", "/addToken?token=abcdefgh", {400});
        row("addToken oversized", "/addToken?email=a&token=" + big('t'), kTooLarge);
        row("revoke missing", "/revoke", {400});
        row("revoke unknown serial", "/revoke?cn_or_serial=99999", {500});
        row("revoke unallocated cn", "/revoke?cn_or_serial=77%2F16", {404});
        row("revoke garbage", "/revoke?cn_or_serial=garbage", {400, 404, 500});
        row("revoke empty", "/revoke?cn_or_serial=", {400, 404, 500});
        row("revoke oversized", "/revoke?cn_or_serial=" + big('7'), kTooLarge);
        row("updateHMAC with key", "/updateHMAC?x=1", {400});
        row("getNodePrefix unknown", "/getNodePrefix?email=nobody%40example.com", {204});
        row("getNodePrefix missing", "/getNodePrefix", {400});
        row("getIPv6Address unknown", "/getIPv6Address?email=nobody%40example.com", {204});
        row("getIPv6Address missing", "/getIPv6Address", {400});
        row("getIPv6Address empty", "/getIPv6Address?email=", {204});
        row("getNodePrefix empty", "/getNodePrefix?email=", {204});
        row("getIPv4Information missing", "/getIPv4Information", {400});
        row("getIPv4Information unknown", "/getIPv4Information?email=nobody%40example.com", {204});
        row("getIPv4Information oversized", "/getIPv4Information?email=" + big('e'), kTooLarge);
        row("versions with key", "/versions?x=", {400});
        row("topology with key", "/topology?x=", {400});
        row("garbage bytes in query", "/getCa?%00%ff%fe=%c3%28", {400});
    }

    void documentedStatus()
    {
        QFETCH(QByteArray, target);
        QFETCH(StatusSet, expected);
        const HttpReply r = httpGet(port(), target);
        QVERIFY2(expected.contains(r.status),
                 qPrintable(QStringLiteral("expected %1, got %2").arg(statusText(expected), r.describe())));
        // Errors never carry a MAC (§4.2).
        if (r.status >= 400) QVERIFY(!r.hasHeader("re6sthmac"));
    }

    void nonGetMethods_data()
    {
        QTest::addColumn<QByteArray>("method");
        for (const char *m : {"POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH"}) QTest::newRow(m) << QByteArray(m);
    }

    void nonGetMethods()
    {
        QFETCH(QByteArray, method);
        Headers h;
        if (method == "POST" || method == "PUT") h.append(qMakePair(QByteArray("Content-Length"), QByteArray("0")));
        const HttpReply r = httpRaw(port(), requestBytes(method, "/getCa", h));
        QCOMPARE(r.status, 501);
    }

    void oversizedHeaderAndGarbageRequests()
    {
        const HttpReply big = httpGet(port(), "/getCa", {{"X-Junk", QByteArray(100 * 1024, 'j')}});
        QVERIFY2(big.status == 400 || big.status == 431 || big.status == 0, qPrintable(big.describe()));
        QVERIFY(m_registry.alive());
        // Malformed request lines, binary junk, truncated requests, long lines.
        const QList<QByteArray> junk{
            "GARBAGE\r\n\r\n",
            "GET\r\n\r\n",
            "GET /getCa HTTP/9.9\r\n\r\n",
            "GET /getCa\r\n\r\n",
            QByteArray("GET /\x01\x02\x7f HTTP/1.1\r\n\r\n", 26),
            "GET /getCa HTTP/1.1\r\nbroken header line\r\n\r\n",
            "GET /getCa HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
            "GET /getCa HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
            "GET /getCa HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            "GET /getCa HTTP/1.1\r\nHost: x", // truncated, then closed by us
            QByteArray(200 * 1024, 'A'),   // no line end at all
        };
        for (const QByteArray &req : junk) {
            const HttpReply r = httpRaw(port(), req, 5000);
            if (r.status != 0)
                QVERIFY2(r.status >= 400 || r.status == 200, qPrintable(r.describe())); // never a crash
            QVERIFY2(m_registry.isRunning(), req.left(60).constData());
        }
        QByteArray random;
        for (int i = 0; i < 16 * 1024; ++i) random += char(QRandomGenerator::global()->bounded(256));
        httpRaw(port(), random, 5000);
        QVERIFY(m_registry.alive());
    }

    void privateMethodsCheckOrigin()
    {
        // X-Forwarded-For must also be authorized (§6.0); 127.0.0.1 itself is.
        const HttpReply denied = httpGet(port(), "/isToken?token=x", {{"X-Forwarded-For", "192.0.2.10"}});
        QCOMPARE(denied.status, 403);
        const HttpReply deniedList = httpGet(port(), "/updateHMAC", {{"X-Forwarded-For", "127.0.0.1, 192.0.2.10"}});
        QCOMPARE(deniedList.status, 403);
        const HttpReply allowed = httpGet(port(), "/isToken?token=x", {{"X-Forwarded-For", "127.0.0.1"}});
        QCOMPARE(allowed.status, 204);
    }

    void hmacForgedReplayedStale()
    {
        RawSession s(port(), m_bitsA, m_key, m_ca.publicKey());
        QString error;
        QCOMPARE(s.hello(&error).status, 200);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        const QByteArray t = target("getNetworkConfig", {{"cn", m_bitsA}});

        // Missing header with a live session.
        QCOMPARE(httpGet(port(), t).status, 400);
        // Not base64 / wrong length / forged.
        QCOMPARE(httpGet(port(), t, {{"Re6stHMAC", "!!!not base64!!!"}}).status, 400);
        QCOMPARE(httpGet(port(), t, {{"Re6stHMAC", "AAAA"}}).status, 400);
        QCOMPARE(httpGet(port(), t, {{"Re6stHMAC", crypto::randomBytes(20).toBase64()}}).status, 400);
        // The MAC covers the target: a good MAC for another target fails.
        {
            HmacRatchet copy = s.ratchet();
            const QByteArray mac = copy.signRequest(target("getDh", {{"cn", m_bitsA}}));
            QCOMPARE(httpGet(port(), t, {{"Re6stHMAC", mac}}).status, 400);
        }
        // Failed attempts do not break the session: the legitimate key still works.
        QByteArray mac1;
        const QByteArray t1 = s.signedTarget("getNetworkConfig", {}, &mac1);
        const HttpReply ok1 = httpGet(port(), t1, {{"Re6stHMAC", mac1}});
        QVERIFY2(ok1.status == 200, qPrintable(ok1.describe()));
        QVERIFY(s.ratchet().verifyResponse(ok1.body, ok1.header("re6sthmac")));
        // Replay of the header just used → 400.
        QCOMPARE(httpGet(port(), t1, {{"Re6stHMAC", mac1}}).status, 400);
        // Two more legitimate calls, then the first (stale) header again → 400.
        bool macOk = false;
        QCOMPARE(s.call("getDh", {}, &macOk).status, 200);
        QVERIFY(macOk);
        QCOMPARE(s.call("getNetworkConfig", {}, &macOk).status, 200);
        QVERIFY(macOk);
        QCOMPARE(httpGet(port(), t1, {{"Re6stHMAC", mac1}}).status, 400);
        // A header from the future (key two steps ahead) → 400, and the session survives.
        {
            HmacRatchet ahead = s.ratchet();
            ahead.signRequest("/x");
            const QByteArray mac = ahead.signRequest(t);
            QCOMPARE(httpGet(port(), t, {{"Re6stHMAC", mac}}).status, 400);
        }
        QCOMPARE(s.call("getNetworkConfig", {}, &macOk).status, 200);
        QVERIFY(macOk);
        // getCountry without GeoIP → 400, but the key still advanced (§5.3).
        QCOMPARE(s.call("getCountry", {{"address", "127.0.0.1"}}).status, 400);
        QCOMPARE(s.call("getNetworkConfig", {}, &macOk).status, 200);
        QVERIFY(macOk);
        // A third party's hello must not break the established session (§5.2 step 3).
        RawSession intruder(port(), m_bitsA, m_key, m_ca.publicKey());
        QCOMPARE(intruder.hello().status, 200);
        QCOMPARE(s.call("getNetworkConfig", {}, &macOk).status, 200);
        QVERIFY(macOk);
    }

    void noSessionIs401()
    {
        // m_bitsB never said hello.
        HmacRatchet r(crypto::randomBytes(20));
        const QByteArray t = target("getNetworkConfig", {{"cn", m_bitsB}});
        QCOMPARE(httpGet(port(), t, {{"Re6stHMAC", r.signRequest(t)}}).status, 401);
        // An unknown prefix has no session either; hello for it is 404.
        const QByteArray u = target("renewCertificate", {{"cn", kUnknownBits}});
        QCOMPARE(httpGet(port(), u, {{"Re6stHMAC", r.signRequest(u)}}).status, 401);
        QCOMPARE(httpGet(port(), target("hello", {{"client_prefix", kUnknownBits}})).status, 404);
    }

    void csrWrongKeySizeKeepsToken()
    {
        const QByteArray token = addToken();
        QVERIFY(!token.isEmpty());
        const auto small = crypto::RsaKey::generate(1024);
        QVERIFY(small);
        const HttpReply r = httpGet(port(), requestCertificateTarget(token, csrPem(*small)));
        QVERIFY2(r.status == 500, qPrintable(r.describe()));
        QCOMPARE(isToken(token), QByteArray("1"));
        // 4096 bits is wrong too.
        const auto large = crypto::RsaKey::generate(4096);
        QVERIFY(large);
        const HttpReply r2 = httpGet(port(), requestCertificateTarget(token, csrPem(*large)));
        QVERIFY2(r2.status == 500, qPrintable(r2.describe()));
        QCOMPARE(isToken(token), QByteArray("1"));
    }

    void garbageCsrKeepsToken_data()
    {
        QTest::addColumn<QByteArray>("req");
        QTest::newRow("garbage") << QByteArray("garbage");
        QTest::newRow("empty") << QByteArray();
        QTest::newRow("pem header only") << QByteArray("-----BEGIN CERTIFICATE REQUEST-----\n-----END CERTIFICATE REQUEST-----\n");
        // A certificate instead of a CSR.
        QTest::newRow("certificate") << readAll(vectorsDir() + QStringLiteral("/crypto/node-1-16.crt"));
        // Truncated CSR.
        const QByteArray csr = csrPem(*crypto::RsaKey::fromPem(readAll(vectorsDir() + QStringLiteral("/crypto/node-2-16.key"))));
        QTest::newRow("truncated") << csr.left(csr.size() / 2);
        // Broken signature (§18.6: the C++ registry verifies it).
        QByteArray body;
        for (const QByteArray &line : csr.split('\n'))
            if (!line.startsWith("-----")) body += line.trimmed();
        QByteArray der = QByteArray::fromBase64(body);
        QByteArray tampered;
        if (!der.isEmpty()) {
            der[der.size() - 5] = char(der[der.size() - 5] ^ 0x55);
            const QByteArray b64 = der.toBase64();
            tampered = "-----BEGIN CERTIFICATE REQUEST-----\n";
            for (qsizetype i = 0; i < b64.size(); i += 64) tampered += b64.mid(i, 64) + '\n';
            tampered += "-----END CERTIFICATE REQUEST-----\n";
        }
        QTest::newRow("bad signature") << tampered;
    }

    void garbageCsrKeepsToken()
    {
        QFETCH(QByteArray, req);
        const QByteArray token = addToken();
        QVERIFY(!token.isEmpty());
        const HttpReply r = httpGet(port(), requestCertificateTarget(token, req));
        QVERIFY2(r.status == 500, qPrintable(r.describe()));
        QCOMPARE(isToken(token), QByteArray("1"));
    }

    void foreignCnIsOverwritten()
    {
        const QByteArray token = addToken("foreign@example.com");
        const QByteArray csr = csrPem(m_key, {{"O", QStringLiteral("evil")},
                                              {"serialNumber", QStringLiteral("42")},
                                              {"CN", QStringLiteral("65535/16")}});
        const HttpReply r = httpGet(port(), requestCertificateTarget(token, csr));
        QVERIFY2(r.status == 200, qPrintable(r.describe()));
        const auto cert = crypto::Certificate::fromPem(r.body);
        QVERIFY(cert);
        QVERIFY(cert->commonName() != QStringLiteral("65535/16"));
        QCOMPARE(httpGet(port(), target("getNodePrefix", {{"email", "foreign@example.com"}})).body, cert->commonName().toLatin1());
        QVERIFY(subjectValue(cert->subject(), "serialNumber") != QStringLiteral("42"));
        // §7.5 order: <others…>, serialNumber, CN.
        const crypto::Subject subject = cert->subject();
        QCOMPARE(subject.size(), 3);
        QCOMPARE(subject[0].name, QByteArray("O"));
        QCOMPARE(subject[1].name, QByteArray("serialNumber"));
        QCOMPARE(subject[2].name, QByteArray("CN"));
        QCOMPARE(cert->version(), 1);
        QCOMPARE(cert->issuer(), m_ca.subject());
    }

    void reusedTokenIs204()
    {
        const QByteArray token = addToken();
        const HttpReply first = httpGet(port(), requestCertificateTarget(token, m_csr));
        QVERIFY2(first.status == 200, qPrintable(first.describe()));
        QCOMPARE(isToken(token), QByteArray()); // consumed
        const HttpReply second = httpGet(port(), requestCertificateTarget(token, m_csr));
        QCOMPARE(second.status, 204);
        QVERIFY(second.body.isEmpty());
    }

    void duplicateAddTokenIs409()
    {
        const QByteArray token = addToken();
        QVERIFY(!token.isEmpty());
        QCOMPARE(httpGet(port(), target("addToken", {{"email", "x@example.com"}, {"token", token}})).status, 409);
    }

    void requestTokenToMbox()
    {
        const HttpReply r = httpGet(port(), target("requestToken", {{"email", "mbox@example.com"}}));
        QCOMPARE(r.status, 204);
        const QByteArray mbox = readAll(m_tmp.filePath(QStringLiteral("mail.mbox")));
        QVERIFY(mbox.startsWith("From "));
        QVERIFY(mbox.contains("To: mbox@example.com"));
        const QString token = tokenFromMail(mbox);
        QCOMPARE(isToken(token.toLatin1()), QByteArray("1"));
    }

    // --- re6st-conf failures (§14.2)

    void confUnreachableRegistry()
    {
        QVERIFY2(QFile::exists(confBinary()), qPrintable(confBinary() + QStringLiteral(" missing")));
        const QString dir = m_tmp.filePath(QStringLiteral("conf-unreachable"));
        QDir().mkpath(dir);
        const quint16 nothing = freePort(); // nothing listens there
        const ConfRun run = runConf({QStringLiteral("--registry"), QStringLiteral("http://127.0.0.1:%1/").arg(nothing),
                                     QStringLiteral("--fingerprint"), m_fingerprint, QStringLiteral("--token"),
                                     QStringLiteral("abcdefgh"), QStringLiteral("-d"), dir});
        QVERIFY2(run.finished, qPrintable(run.all()));
        QCOMPARE(run.exitCode, 1);
        // One error line naming the registry, optionally one line saying what to do next.
        const QStringList lines = run.err.trimmed().split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QVERIFY2(lines.size() == 1 || lines.size() == 2, qPrintable(QStringLiteral("stderr: ") + run.err));
        QVERIFY2(lines[0].contains(QStringLiteral("127.0.0.1:%1").arg(nothing)), qPrintable(lines[0]));
        QVERIFY2(!run.all().contains(QLatin1String("Traceback")), qPrintable(run.all()));
        QVERIFY(!QFile::exists(dir + QStringLiteral("/cert.crt")));
        QVERIFY(!QFile::exists(dir + QStringLiteral("/cert.key")));
    }

    void confWrongFingerprint()
    {
        const QString dir = m_tmp.filePath(QStringLiteral("conf-fingerprint"));
        QDir().mkpath(dir);
        const ConfRun run = runConf({QStringLiteral("--registry"), m_registry.url(), QStringLiteral("--fingerprint"),
                                     QStringLiteral("sha256:") + QString(64, QLatin1Char('0')), QStringLiteral("--token"),
                                     QStringLiteral("abcdefgh"), QStringLiteral("-d"), dir});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.all().contains(QLatin1String("CA fingerprint doesn't match")), qPrintable(run.all()));
        QVERIFY(!QFile::exists(dir + QStringLiteral("/ca.crt")));
        QVERIFY(!QFile::exists(dir + QStringLiteral("/cert.crt")));
        QVERIFY(!QFile::exists(dir + QStringLiteral("/cert.key")));
    }

    void confMalformedFingerprintIsUsageError()
    {
        const QString dir = m_tmp.filePath(QStringLiteral("conf-fingerprint2"));
        QDir().mkpath(dir);
        const ConfRun run = runConf({QStringLiteral("--registry"), m_registry.url(), QStringLiteral("--fingerprint"),
                                     QStringLiteral("sha256:zz"), QStringLiteral("--token"), QStringLiteral("abcdefgh"),
                                     QStringLiteral("-d"), dir});
        QCOMPARE(run.exitCode, 2);
        QVERIFY2(run.all().contains(QLatin1String("invalid fingerprint")), qPrintable(run.all()));
    }

    void confBadToken()
    {
        const QString dir = m_tmp.filePath(QStringLiteral("conf-token"));
        QDir().mkpath(dir);
        const ConfRun run = runConf({QStringLiteral("--registry"), m_registry.url(), QStringLiteral("--fingerprint"),
                                     m_fingerprint, QStringLiteral("--token"), QStringLiteral("zzzzzzzz"),
                                     QStringLiteral("-d"), dir});
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.all().contains(QLatin1String("invalid or expired token")), qPrintable(run.all()));
        QVERIFY(!QFile::exists(dir + QStringLiteral("/cert.crt")));
        QVERIFY(QFile::exists(dir + QStringLiteral("/ca.crt")));
    }

    void confUsageErrors()
    {
        const QString dir = m_tmp.filePath(QStringLiteral("conf-usage"));
        QDir().mkpath(dir);
        const ConfRun anon = runConf({QStringLiteral("--registry"), m_registry.url(), QStringLiteral("--anonymous"),
                                      QStringLiteral("--token"), QStringLiteral("a"), QStringLiteral("-d"), dir});
        QCOMPARE(anon.exitCode, 2);
        QVERIFY2(anon.all().contains(QLatin1String("anonymous conflicts")), qPrintable(anon.all()));
        const ConfRun cn = runConf({QStringLiteral("--registry"), m_registry.url(), QStringLiteral("--fingerprint"),
                                    m_fingerprint, QStringLiteral("--req"), QStringLiteral("CN"), QStringLiteral("1111"),
                                    QStringLiteral("--token"), QStringLiteral("abcdefgh"), QStringLiteral("-d"), dir});
        QCOMPARE(cn.exitCode, 1);
        QVERIFY2(cn.all().contains(QLatin1String("CN field is reserved")), qPrintable(cn.all()));
    }

    // A registry out of file descriptors (48 at most, held by idle clients)
    // answers newcomers 503 at once instead of leaving them in the backlog
    // while its event loop spins (platform/TcpAcceptor), says so in its log,
    // and serves again once the idle clients are gone.
    void outOfDescriptorsIs503ThenRecovers()
    {
        const QString dir = m_tmp.filePath(QStringLiteral("fd-limit"));
        QVERIFY(QDir().mkpath(dir));
        QVERIFY(installVectorCa(dir));
        RegistryProcess registry;
        RegistryProcess::Config config = RegistryProcess::config(dir);
        config.maxFiles = 48;
        QString error;
        QVERIFY2(registry.start(config, &error), qPrintable(error));
        std::vector<int> idle;
        auto closeIdle = qScopeGuard([&] {
            for (int idleFd : idle) ::close(idleFd);
        });
        for (int i = 0; i < 60; ++i) {
            idle.push_back(test::rawConnect(registry.port()));
            QVERIFY(idle.back() >= 0);
        }
        const int fd = test::rawConnect(registry.port());
        QVERIFY(fd >= 0);
        auto closeProbe = qScopeGuard([fd] { ::close(fd); });
        QVERIFY(test::rawSend(fd, "GET /getCa HTTP/1.0\r\n\r\n"));
        QByteArray got;
        bool closed = false;
        QVERIFY2(waitFor([&] { got += test::rawReceive(fd, &closed); return closed; }, 20000),
                 "no answer while out of descriptors");
        QVERIFY2(got.startsWith("HTTP/1.1 503 Service Unavailable\r\n"), got.left(200).constData());
        QVERIFY(got.contains("too many connections at once, retry in a moment"));
        QVERIFY(registry.isRunning());

        closeIdle.dismiss();
        for (int idleFd : idle) ::close(idleFd);
        QVERIFY2(waitFor([&] { return httpGet(registry.port(), "/getCa", {}, 2000).status == 200; }, 30000),
                 "the registry did not serve again once descriptors were free");
        const QByteArray log = registry.log();
        QVERIFY2(log.contains("out of file descriptors") && log.contains("limit 48"), log.right(2000).constData());
        QVERIFY2(QRegularExpression(QStringLiteral("accepting connections on port \\d+ again \\(\\d+ refused meanwhile\\)"))
                     .match(QString::fromUtf8(log))
                     .hasMatch(),
                 log.right(2000).constData());
        registry.stop();
    }
};

QTEST_GUILESS_MAIN(BadInputE2e)
#include "tst_badinput_e2e.moc"
