// SPDX-License-Identifier: GPL-2.0-or-later
// End-to-end enrollment: real re6st-registry + real re6st-conf + a real SMTP
// server (tests/e2e/smtp_sink.py), then the authenticated API with the core
// RegistryClient (registry-protocol.md §5, §6, §7, §8, §14).
#include "E2eSupport.h"

#include "core/Addressing.h"
#include "core/NetworkConfig.h"
#include "core/RegistryClient.h"

#include <QJsonDocument>
#include <QTemporaryDir>
#include <QtTest>
#include <sys/stat.h>

using namespace re6st;
using namespace re6st::e2e;

namespace {

RegistryClient::Result callSync(const std::function<void(RegistryClient::Callback)> &start, int timeoutMs = 90000)
{
    std::optional<RegistryClient::Result> result;
    start([&](const RegistryClient::Result &r) { result = r; });
    waitFor([&] { return result.has_value(); }, timeoutMs);
    if (!result) {
        RegistryClient::Result r;
        r.message = QStringLiteral("test: no callback within %1 ms").arg(timeoutMs);
        return r;
    }
    return *result;
}

QString describe(const RegistryClient::Result &r)
{
    return QStringLiteral("kind=%1 status=%2 message=%3 body=%4")
        .arg(int(r.kind))
        .arg(r.httpStatus)
        .arg(r.message, QString::fromUtf8(r.body.left(200)));
}

int fileMode(const QString &path)
{
    struct stat st {};
    if (::stat(QFile::encodeName(path).constData(), &st) != 0) return -1;
    return int(st.st_mode & 07777);
}

} // namespace

class EnrollmentE2e final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    QString m_regDir;
    SmtpSink m_smtp;
    RegistryProcess m_registry;
    crypto::Certificate m_ca;
    QString m_fingerprint; // "sha256:<hex>"
    // Filled by the first tests, used by the later ones.
    QString m_aliceDir, m_bobDir;
    QByteArray m_aliceBits, m_bobBits;
    std::optional<quint64> m_lastVersion;

    QString newDir(const QString &name)
    {
        const QString d = m_tmp.filePath(name);
        QDir().mkpath(d);
        return d;
    }

    // re6st-conf asking a token by mail; the token is read from the SMTP sink and
    // typed at the "Please enter your token" prompt (§14.2 step 8).
    ConfRun enrollByMail(const QString &dir, const QString &email, QString *token)
    {
        const qsizetype before = m_smtp.deliveries().size();
        return runConf({QStringLiteral("--registry"), m_registry.url(), QStringLiteral("--fingerprint"), m_fingerprint,
                        QStringLiteral("--email"), email, QStringLiteral("-d"), dir},
                       [&](QProcess &p) {
                           const auto d = m_smtp.deliveries();
                           if (d.size() <= before) return false;
                           *token = tokenFromMail(d.last().message);
                           p.write(token->toLatin1() + "\n");
                           return true;
                       });
    }

    void checkEnrolledFiles(const QString &dir, const QString &expectedCn, const QString &expectedSubnet,
                            const ConfRun &run, QByteArray *bits)
    {
        QVERIFY2(run.finished, qPrintable(run.all()));
        QVERIFY2(run.exitCode == 0, qPrintable(QStringLiteral("exit %1: %2").arg(run.exitCode).arg(run.all())));
        QCOMPARE(run.subnetLine(), QStringLiteral("Your subnet: %1 (CN=%2)").arg(expectedSubnet, expectedCn));

        // ca.crt = the registry CA.
        const auto ca = crypto::Certificate::fromPem(readAll(dir + QStringLiteral("/ca.crt")));
        QVERIFY(ca);
        QCOMPARE(ca->toDer(), m_ca.toDer());

        // cert.key: 0600, RSA with the CA size; cert.crt: CN, signed by the CA, same key.
        QCOMPARE(fileMode(dir + QStringLiteral("/cert.key")), 0600);
        const auto key = crypto::RsaKey::fromPem(readAll(dir + QStringLiteral("/cert.key")));
        QVERIFY(key && key->hasPrivate());
        QCOMPARE(key->bits(), m_ca.publicKey().bits());
        const QByteArray certPem = readAll(dir + QStringLiteral("/cert.crt"));
        const auto cert = crypto::Certificate::fromPem(certPem);
        QVERIFY2(cert, certPem.constData());
        QCOMPARE(cert->commonName(), expectedCn);
        QVERIFY(cert->isSignedBy(m_ca.publicKey()));
        QVERIFY(cert->publicKey().samePublicKey(*key));
        QCOMPARE(cert->signatureAlgorithm(), QByteArray("sha512WithRSAEncryption"));
        QVERIFY(cert->notAfter() - cert->notBefore() >= 364 * 86400);

        // re6stnet.conf (§14.2 step 17).
        const QList<QByteArray> lines = readAll(dir + QStringLiteral("/re6stnet.conf")).split('\n');
        const QList<QByteArray> expected{"registry " + m_registry.url().toUtf8(), "ca ca.crt", "cert cert.crt",
                                         "key cert.key", "", "# increase re6stnet verbosity:", "#verbose 3",
                                         "# enable OpenVPN logging:", "#ovpnlog",
                                         "# uncomment the following 2 lines to increase OpenVPN verbosity:",
                                         "#O--verb", "#O3"};
        QVERIFY2(lines.size() >= expected.size(), readAll(dir + QStringLiteral("/re6stnet.conf")).constData());
        for (qsizetype i = 0; i < expected.size(); ++i) QCOMPARE(lines[i], expected[i]);

        const auto b = addressing::bitsFromCn(expectedCn);
        QVERIFY(b);
        *bits = *b;
    }

    std::unique_ptr<RegistryClient> clientFor(const QString &dir, const QByteArray &bits)
    {
        auto c = std::make_unique<RegistryClient>(QUrl(m_registry.url()));
        const auto key = crypto::RsaKey::fromPem(readAll(dir + QStringLiteral("/cert.key")));
        if (key) c->setIdentity(bits, *key, m_ca);
        c->setTimeout(30000);
        return c;
    }

    std::optional<NetworkConfig> fetchConfig(const QString &dir, const QByteArray &bits, QString *why)
    {
        auto client = clientFor(dir, bits);
        const auto r = callSync([&](auto cb) { client->getNetworkConfig(cb); });
        if (r.kind != RegistryClient::Result::Kind::Body) {
            *why = describe(r);
            return std::nullopt;
        }
        const auto key = crypto::RsaKey::fromPem(readAll(dir + QStringLiteral("/cert.key")));
        return NetworkConfig::decode(r.body, *key, m_ca.publicKey(), why);
    }

    // A second registry in its own directory (fresh DB), for option variants.
    bool startVariant(RegistryProcess &reg, const QString &name, const QStringList &extra, QString *error)
    {
        const QString d = newDir(name);
        if (!installVectorCa(d)) {
            *error = QStringLiteral("cannot copy the vector CA");
            return false;
        }
        return reg.start(RegistryProcess::config(d, extra), error);
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_tmp.isValid());
        QVERIFY2(QFile::exists(registryBinary()), qPrintable(registryBinary() + QStringLiteral(" missing")));
        QVERIFY2(QFile::exists(confBinary()), qPrintable(confBinary() + QStringLiteral(" missing")));
        m_regDir = newDir(QStringLiteral("registry"));
        QVERIFY(installVectorCa(m_regDir));
        const auto ca = crypto::Certificate::fromPem(readAll(m_regDir + QStringLiteral("/ca.crt")));
        QVERIFY(ca);
        m_ca = *ca;
        const auto fp = m_ca.fingerprint("sha256");
        QVERIFY(fp);
        m_fingerprint = QStringLiteral("sha256:") + QString::fromLatin1(fp->toHex());

        QString error;
        QVERIFY2(m_smtp.start(m_tmp.filePath(QStringLiteral("smtp")), false, {}, {}, &error), qPrintable(error));
        QVERIFY2(m_registry.start(RegistryProcess::config(m_regDir, {QStringLiteral("--mailhost"), QStringLiteral("127.0.0.1:%1").arg(m_smtp.port())}), &error),
                 qPrintable(error));
    }

    void cleanupTestCase()
    {
        m_registry.stop();
        m_smtp.stop();
    }

    void firstEnrollmentByMail()
    {
        m_aliceDir = newDir(QStringLiteral("alice"));
        QString token;
        const ConfRun run = enrollByMail(m_aliceDir, QStringLiteral("alice@example.com"), &token);
        QVERIFY2(!token.isEmpty(), qPrintable(QStringLiteral("no token mail; re6st-conf said: ") + run.all()));
        QCOMPARE(token.size(), 8);
        checkEnrolledFiles(m_aliceDir, QStringLiteral("0/16"), QStringLiteral("2001:db8:42::/64"), run, &m_aliceBits);
        if (QTest::currentTestFailed()) return;
        QVERIFY2(run.all().contains(QLatin1String("Setup complete.")), qPrintable(run.all()));

        // The mail (§6.2 step 3).
        const auto mails = m_smtp.deliveries();
        QCOMPARE(mails.size(), 1);
        QCOMPARE(mails[0].from, QStringLiteral("re6st@example.com"));
        QCOMPARE(mails[0].to, QStringLiteral("alice@example.com"));
        QVERIFY(mails[0].message.contains("Subject: [re6stnet] Token Request"));
        QVERIFY(mails[0].message.contains("From: re6st@example.com"));
        QVERIFY(mails[0].message.contains("To: alice@example.com"));
        QVERIFY(mails[0].message.contains("Hello, your token to join re6st network is: " + token.toLatin1()));

        // The DB (§12): token consumed, prefix stored with its email and PEM, registry prefix set.
        Db db(m_registry.db());
        QVERIFY2(db.isOpen(), qPrintable(db.error()));
        QCOMPARE(db.value(QStringLiteral("SELECT count(*) FROM token")).toInt(), 0);
        const auto rows = db.rows(QStringLiteral("SELECT email, cert FROM cert WHERE prefix = ?"), {QString::fromLatin1(m_aliceBits)});
        QCOMPARE(rows.size(), 1);
        QCOMPARE(rows[0][0].toString(), QStringLiteral("alice@example.com"));
        QCOMPARE(rows[0][1].toByteArray().trimmed(), readAll(m_aliceDir + QStringLiteral("/cert.crt")).trimmed());
        QCOMPARE(db.value(QStringLiteral("SELECT value FROM config WHERE name = 'prefix'")).toString(),
                 QString::fromLatin1(m_aliceBits));
        const auto cert = crypto::Certificate::fromPem(readAll(m_aliceDir + QStringLiteral("/cert.crt")));
        QCOMPARE(db.value(QStringLiteral("SELECT value FROM config WHERE name = 'serial'")).toByteArray(),
                 cert->serialDecimal());
        QCOMPARE(subjectValue(cert->subject(), "serialNumber"), QStringLiteral("0")); // §7.6
    }

    void secondEnrollmentGetsNextPrefix()
    {
        QVERIFY(!m_aliceBits.isEmpty());
        m_bobDir = newDir(QStringLiteral("bob"));
        QString token;
        const ConfRun run = enrollByMail(m_bobDir, QStringLiteral("bob@example.com"), &token);
        QVERIFY2(!token.isEmpty(), qPrintable(run.all()));
        checkEnrolledFiles(m_bobDir, QStringLiteral("1/16"), QStringLiteral("2001:db8:42:1::/64"), run, &m_bobBits);
        if (QTest::currentTestFailed()) return;
        const auto cert = crypto::Certificate::fromPem(readAll(m_bobDir + QStringLiteral("/cert.crt")));
        QCOMPARE(subjectValue(cert->subject(), "serialNumber"), QStringLiteral("1"));
        Db db(m_registry.db());
        QCOMPARE(db.value(QStringLiteral("SELECT email FROM cert WHERE prefix = ?"), {QString::fromLatin1(m_bobBits)}).toString(),
                 QStringLiteral("bob@example.com"));
        QCOMPARE(db.value(QStringLiteral("SELECT count(*) FROM cert WHERE cert IS NOT NULL")).toInt(), 2);
        // Private lookups (§6.12, §6.13).
        QCOMPARE(httpGet(m_registry.port(), target("getNodePrefix", {{"email", "bob@example.com"}})).body, QByteArray("1/16"));
        QCOMPARE(httpGet(m_registry.port(), target("getIPv6Address", {{"email", "bob@example.com"}})).body,
                 QByteArray("2001:db8:42:1::"));
    }

    void authenticatedNetworkConfig()
    {
        QVERIFY(!m_bobBits.isEmpty());
        QString why;
        const auto config = fetchConfig(m_bobDir, m_bobBits, &why);
        QVERIFY2(config, qPrintable(why));
        QCOMPARE(config->registryPrefix(), m_aliceBits);
        QCOMPARE(config->values.value(QStringLiteral("protocol")).toInt(), 10);
        QCOMPARE(config->values.value(QStringLiteral("client_count")).toInt(), 10);
        QCOMPARE(config->values.value(QStringLiteral("max_clients")).toInt(), 20);
        QCOMPARE(config->values.value(QStringLiteral("hello")).toInt(), 15);
        QVERIFY(config->crl().isEmpty());
        QVERIFY(config->versionCounter.has_value());
        QVERIFY(*config->versionCounter >= 1);
        QCOMPARE(config->values.value(QStringLiteral("babel_hmac_sign")).toByteArray().size(), 16);
        m_lastVersion = config->versionCounter;

        // The raw ratchet too: hello, then three calls on one session; replaying fails.
        const auto key = crypto::RsaKey::fromPem(readAll(m_bobDir + QStringLiteral("/cert.key")));
        RawSession s(m_registry.port(), m_bobBits, *key, m_ca.publicKey());
        QString error;
        QCOMPARE(s.hello(&error).status, 200);
        QVERIFY2(error.isEmpty(), qPrintable(error));
        for (int i = 0; i < 3; ++i) {
            bool macOk = false;
            const HttpReply r = s.call("getNetworkConfig", {}, &macOk);
            QVERIFY2(r.status == 200, qPrintable(r.describe()));
            QVERIFY(macOk);
        }
        bool macOk = false;
        const HttpReply dh = s.call("getDh", {}, &macOk);
        QVERIFY2(dh.status == 200 && macOk, qPrintable(dh.describe()));
        QCOMPARE(dh.body, readAll(vectorsDir() + QStringLiteral("/crypto/dh2048.pem")));
    }

    void renewFarFromExpiryReturnsSamePem()
    {
        QVERIFY(!m_bobBits.isEmpty());
        auto client = clientFor(m_bobDir, m_bobBits);
        const auto r = callSync([&](auto cb) { client->renewCertificate(cb); });
        QVERIFY2(r.kind == RegistryClient::Result::Kind::Body, qPrintable(describe(r)));
        QCOMPARE(r.body.trimmed(), readAll(m_bobDir + QStringLiteral("/cert.crt")).trimmed());
    }

    void revokeBySerialThenRenew()
    {
        QVERIFY(!m_bobBits.isEmpty() && m_lastVersion);
        const auto old = crypto::Certificate::fromPem(readAll(m_bobDir + QStringLiteral("/cert.crt")));
        QVERIFY(old);
        const HttpReply rv = httpGet(m_registry.port(), target("revoke", {{"cn_or_serial", old->serialDecimal()}}));
        QVERIFY2(rv.status == 204, qPrintable(rv.describe()));

        // The CRL reaches nodes through the signed, versioned config (§8.4, §9.3).
        QString why;
        const auto config = fetchConfig(m_aliceDir, m_aliceBits, &why);
        QVERIFY2(config, qPrintable(why));
        QVERIFY2(config->crl().contains(old->serialDecimal().toLongLong()),
                 qPrintable(QStringLiteral("crl %1").arg(QString::fromUtf8(QJsonDocument::fromVariant(config->values.value(QStringLiteral("crl"))).toJson(QJsonDocument::Compact)))));
        QVERIFY(config->versionCounter.has_value());
        QVERIFY2(*config->versionCounter > *m_lastVersion,
                 qPrintable(QStringLiteral("%1 -> %2").arg(*m_lastVersion).arg(*config->versionCounter)));
        m_lastVersion = config->versionCounter;
        {
            Db db(m_registry.db());
            QCOMPARE(db.value(QStringLiteral("SELECT count(*) FROM crl WHERE serial = ?"), {old->serialDecimal().toLongLong()}).toInt(), 1);
            // The certificate stays allocated (§6.10).
            QVERIFY(!db.value(QStringLiteral("SELECT cert FROM cert WHERE prefix = ?"), {QString::fromLatin1(m_bobBits)}).isNull());
        }
        // Revoking the same serial again fails on the crl primary key (§6.10).
        QCOMPARE(httpGet(m_registry.port(), target("revoke", {{"cn_or_serial", old->serialDecimal()}})).status, 500);

        // §8.1: revoked → new serial, same notAfter, same subject and key.
        auto client = clientFor(m_bobDir, m_bobBits);
        const auto r = callSync([&](auto cb) { client->renewCertificate(cb); });
        QVERIFY2(r.kind == RegistryClient::Result::Kind::Body, qPrintable(describe(r)));
        const auto renewed = crypto::Certificate::fromPem(r.body);
        QVERIFY(renewed);
        QVERIFY(renewed->serialDecimal() != old->serialDecimal());
        QCOMPARE(renewed->notAfter(), old->notAfter());
        QCOMPARE(renewed->commonName(), old->commonName());
        QCOMPARE(renewed->subject(), old->subject());
        QVERIFY(renewed->publicKey().samePublicKey(old->publicKey()));
        QVERIFY(renewed->isSignedBy(m_ca.publicKey()));
        Db db(m_registry.db());
        QCOMPARE(db.value(QStringLiteral("SELECT cert FROM cert WHERE prefix = ?"), {QString::fromLatin1(m_bobBits)}).toByteArray().trimmed(),
                 r.body.trimmed());
        writeAll(m_bobDir + QStringLiteral("/cert.crt"), r.body);
        // A second renew now returns the stored PEM again.
        const auto again = callSync([&](auto cb) { client->renewCertificate(cb); });
        QVERIFY2(again.kind == RegistryClient::Result::Kind::Body, qPrintable(describe(again)));
        QCOMPARE(again.body.trimmed(), r.body.trimmed());
    }

    void revokeByCnFreesPrefix()
    {
        QVERIFY(!m_bobBits.isEmpty());
        const auto cert = crypto::Certificate::fromPem(readAll(m_bobDir + QStringLiteral("/cert.crt")));
        QVERIFY(cert);
        const HttpReply rv = httpGet(m_registry.port(), target("revoke", {{"cn_or_serial", "1/16"}}));
        QVERIFY2(rv.status == 204, qPrintable(rv.describe()));
        const auto key = crypto::RsaKey::fromPem(readAll(m_bobDir + QStringLiteral("/cert.key")));
        RawSession s(m_registry.port(), m_bobBits, *key, m_ca.publicKey());
        QCOMPARE(s.hello().status, 404);
        {
            Db db(m_registry.db());
            const auto rows = db.rows(QStringLiteral("SELECT email, cert FROM cert WHERE prefix = ?"), {QString::fromLatin1(m_bobBits)});
            QCOMPARE(rows.size(), 1);
            QVERIFY(rows[0][0].isNull());
            QVERIFY(rows[0][1].isNull());
        }
        // Revoking the freed CN again → 404 (§6.10).
        QCOMPARE(httpGet(m_registry.port(), target("revoke", {{"cn_or_serial", "1/16"}})).status, 404);
        // The node itself can no longer authenticate.
        auto client = clientFor(m_bobDir, m_bobBits);
        const auto r = callSync([&](auto cb) { client->getNetworkConfig(cb); });
        QVERIFY2(r.noResult(), qPrintable(describe(r)));
        // Its still-valid renewed serial is in the CRL of the others.
        QString why;
        const auto config = fetchConfig(m_aliceDir, m_aliceBits, &why);
        QVERIFY2(config, qPrintable(why));
        QVERIFY(config->crl().contains(cert->serialDecimal().toLongLong()));
        QVERIFY(*config->versionCounter > *m_lastVersion);
        // The freed prefix is handed out again.
        const QString carolDir = newDir(QStringLiteral("carol"));
        QString token;
        const ConfRun run = enrollByMail(carolDir, QStringLiteral("carol@example.com"), &token);
        QByteArray bits;
        checkEnrolledFiles(carolDir, QStringLiteral("1/16"), QStringLiteral("2001:db8:42:1::/64"), run, &bits);
    }

    void starttlsAuthDelivery()
    {
        SmtpSink sink;
        QString error;
        QVERIFY2(sink.start(m_tmp.filePath(QStringLiteral("smtp-tls")), true, QStringLiteral("re6st"),
                            QStringLiteral("s3cr3t pw"), &error),
                 qPrintable(error));
        RegistryProcess reg;
        QVERIFY2(startVariant(reg, QStringLiteral("registry-tls"),
                              {QStringLiteral("--mailhost"), QStringLiteral("127.0.0.1:%1").arg(sink.port()),
                               QStringLiteral("--smtp-starttls"), QStringLiteral("--smtp-user"), QStringLiteral("re6st"),
                               QStringLiteral("--smtp-pwd"), QStringLiteral("s3cr3t pw")},
                              &error),
                 qPrintable(error));
        const HttpReply r = httpGet(reg.port(), target("requestToken", {{"email", "dave@example.com"}}), {}, 60000);
        QVERIFY2(r.status == 204,
                 qPrintable(r.describe() + QStringLiteral(" | registry log: ") + QString::fromUtf8(reg.log().right(1500))
                            + QStringLiteral(" | sink auth failures: ") + QString::fromUtf8(sink.authFailures())));
        QVERIFY(waitFor([&] { return !sink.deliveries().isEmpty(); }, 30000));
        const auto d = sink.deliveries().first();
        QVERIFY(d.tls);
        QCOMPARE(d.login, QStringLiteral("re6st"));
        QCOMPARE(d.to, QStringLiteral("dave@example.com"));
        const QString token = tokenFromMail(d.message);
        QCOMPARE(token.size(), 8);
        QCOMPARE(httpGet(reg.port(), target("isToken", {{"token", token.toLatin1()}})).body, QByteArray("1"));
        reg.stop();
        sink.stop();
    }

    void smtpAuthWithoutTls()
    {
        SmtpSink sink;
        QString error;
        QVERIFY2(sink.start(m_tmp.filePath(QStringLiteral("smtp-auth")), false, QStringLiteral("re6st"),
                            QStringLiteral("pw:with spaces"), &error),
                 qPrintable(error));
        RegistryProcess reg;
        QVERIFY2(startVariant(reg, QStringLiteral("registry-auth"),
                              {QStringLiteral("--mailhost"), QStringLiteral("127.0.0.1:%1").arg(sink.port()),
                               QStringLiteral("--smtp-user"), QStringLiteral("re6st"), QStringLiteral("--smtp-pwd"),
                               QStringLiteral("pw:with spaces")},
                              &error),
                 qPrintable(error));
        const HttpReply r = httpGet(reg.port(), target("requestToken", {{"email", "frank@example.com"}}), {}, 60000);
        QVERIFY2(r.status == 204, qPrintable(r.describe() + QStringLiteral(" | sink auth failures: ") + QString::fromUtf8(sink.authFailures())));
        QVERIFY(waitFor([&] { return !sink.deliveries().isEmpty(); }, 30000));
        const auto d = sink.deliveries().first();
        QVERIFY(!d.tls);
        QCOMPARE(d.login, QStringLiteral("re6st"));
        QCOMPARE(d.from, QStringLiteral("re6st@example.com"));
        QCOMPARE(httpGet(reg.port(), target("isToken", {{"token", tokenFromMail(d.message).toLatin1()}})).body, QByteArray("1"));
        reg.stop();
        sink.stop();
    }

    void smtpAuthFailureKeepsToken()
    {
        SmtpSink sink;
        QString error;
        QVERIFY2(sink.start(m_tmp.filePath(QStringLiteral("smtp-badauth")), false, QStringLiteral("re6st"),
                            QStringLiteral("right"), &error),
                 qPrintable(error));
        RegistryProcess reg;
        QVERIFY2(startVariant(reg, QStringLiteral("registry-badauth"),
                              {QStringLiteral("--mailhost"), QStringLiteral("127.0.0.1:%1").arg(sink.port()),
                               QStringLiteral("--smtp-user"), QStringLiteral("re6st"), QStringLiteral("--smtp-pwd"),
                               QStringLiteral("wrong")},
                              &error),
                 qPrintable(error));
        const HttpReply r = httpGet(reg.port(), target("requestToken", {{"email", "erin@example.com"}}), {}, 60000);
        QCOMPARE(r.status, 500); // §6.2: mail failure → 500 ...
        QVERIFY(sink.deliveries().isEmpty());
        QVERIFY2(!sink.authFailures().isEmpty(), "the registry never tried to authenticate");
        Db db(reg.db());
        QCOMPARE(db.value(QStringLiteral("SELECT count(*) FROM token WHERE email = 'erin@example.com'")).toInt(), 1); // ... token kept (§18.13)
        QVERIFY(reg.alive());
        reg.stop();
        sink.stop();
    }

    // A line break in requestToken's email used to reach libcurl's RCPT TO and
    // the To: header: the SMTP server received "Bcc: ..." as a command. Now 400,
    // nothing sent; and a second mail to one address within a minute is refused,
    // which re6st-conf shows in the registry's words.
    void smtpInjectionRefusedAndMailsBounded()
    {
        SmtpSink sink;
        QString error;
        QVERIFY2(sink.start(m_tmp.filePath(QStringLiteral("smtp-inject")), false, {}, {}, &error), qPrintable(error));
        RegistryProcess reg;
        QVERIFY2(startVariant(reg, QStringLiteral("registry-inject"),
                              {QStringLiteral("--mailhost"), QStringLiteral("127.0.0.1:%1").arg(sink.port())}, &error),
                 qPrintable(error));
        for (const char *bad : {"a@example.org>\r\nRCPT TO:<victim@example.net", "b@example.org\nBcc: x@example.net"}) {
            const HttpReply r = httpGet(reg.port(), target("requestToken", {{"email", bad}}), {}, 60000);
            QCOMPARE(r.status, 400);
            QVERIFY2(r.body.contains("requestToken: invalid email address: it contains the control character U+000"),
                     r.body.constData());
        }
        const HttpReply ok = httpGet(reg.port(), target("requestToken", {{"email", "grace@example.com"}}), {}, 60000);
        QCOMPARE(ok.status, 204);
        QVERIFY(waitFor([&] { return !sink.deliveries().isEmpty(); }, 30000));
        QCOMPARE(sink.deliveries().size(), 1);
        QCOMPARE(sink.deliveries().first().to, QStringLiteral("grace@example.com"));
        const QByteArray sinkLog = readAll(sink.dir() + QStringLiteral("/sink.err"));
        QVERIFY2(!sinkLog.contains("unrecognised"), sinkLog.constData()); // no injected command reached it
        Db db(reg.db());
        QCOMPARE(db.value(QStringLiteral("SELECT count(*) FROM token")).toInt(), 1);

        const QString dir = newDir(QStringLiteral("grace"));
        const ConfRun run = runConf({QStringLiteral("--registry"), reg.url(), QStringLiteral("--fingerprint"), m_fingerprint,
                                     QStringLiteral("--email"), QStringLiteral("grace@example.com"), QStringLiteral("-d"), dir});
        QVERIFY2(run.finished && run.exitCode == 1, qPrintable(run.all()));
        QVERIFY2(run.err.contains(QLatin1String("Error: the registry refused to mail a token: requestToken: a token was "
                                                "mailed to grace@example.com ")),
                 qPrintable(run.all()));
        QVERIFY2(run.err.contains(QLatin1String("run re6st-conf again with --token")), qPrintable(run.all()));
        QVERIFY(!QFile::exists(dir + QStringLiteral("/cert.key")));
        QCOMPARE(sink.deliveries().size(), 1);
        reg.stop();
        sink.stop();
    }

    void anonymousEnrollment()
    {
        RegistryProcess reg;
        QString error;
        QVERIFY2(startVariant(reg, QStringLiteral("registry-anon"), {QStringLiteral("--anonymous-prefix-length"), QStringLiteral("24")}, &error),
                 qPrintable(error));
        const QString dir = newDir(QStringLiteral("anon"));
        const ConfRun run = runConf({QStringLiteral("--registry"), reg.url(), QStringLiteral("--fingerprint"), m_fingerprint,
                                     QStringLiteral("--anonymous"), QStringLiteral("-d"), dir});
        QVERIFY2(run.exitCode == 0, qPrintable(run.all()));
        QCOMPARE(run.subnetLine(), QStringLiteral("Your subnet: 2001:db8:42::/72 (CN=0/24)"));
        const auto cert = crypto::Certificate::fromPem(readAll(dir + QStringLiteral("/cert.crt")));
        QVERIFY(cert);
        QCOMPARE(cert->commonName(), QStringLiteral("0/24"));
        Db db(reg.db());
        const auto rows = db.rows(QStringLiteral("SELECT email, cert FROM cert WHERE prefix = ?"), {QStringLiteral("000000000000000000000000")});
        QCOMPARE(rows.size(), 1);
        QVERIFY(rows[0][0].isNull()); // anonymous: email NULL (§7.7)
        QVERIFY(!rows[0][1].isNull());
        // Without --mailhost, requestToken is refused (§6.2).
        QCOMPARE(httpGet(reg.port(), target("requestToken", {{"email", "x@example.com"}})).status, 403);
        reg.stop();
    }

    void anonymousRefusedWhenDisabled()
    {
        // The main registry runs without --anonymous-prefix-length.
        const HttpReply raw = httpGet(m_registry.port(), requestCertificateTarget("", "x"));
        QCOMPARE(raw.status, 403);
        const QString dir = newDir(QStringLiteral("anon-refused"));
        const ConfRun run = runConf({QStringLiteral("--registry"), m_registry.url(), QStringLiteral("--fingerprint"), m_fingerprint,
                                     QStringLiteral("--anonymous"), QStringLiteral("-d"), dir});
        QVERIFY2(run.finished, qPrintable(run.all()));
        QCOMPARE(run.exitCode, 1);
        QVERIFY2(run.all().contains(QLatin1String("registration disabled"), Qt::CaseInsensitive)
                     || run.all().contains(QLatin1String("registration is disabled"), Qt::CaseInsensitive),
                 qPrintable(run.all()));
        QVERIFY(!QFile::exists(dir + QStringLiteral("/cert.crt")));
        QVERIFY(m_registry.alive());
    }
};

QTEST_GUILESS_MAIN(EnrollmentE2e)
#include "tst_enrollment_e2e.moc"
