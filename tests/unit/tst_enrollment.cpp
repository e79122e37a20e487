// SPDX-License-Identifier: GPL-2.0-or-later
// Enrollment (the re6st-conf flow, registry-protocol.md §14.2) against an in-test
// fake registry; mirrors upstream test_conf.py (§16.3) plus files/permissions/cleanup.
#include "FakeEnrollmentRegistry.h"
#include "FileSizeLimit.h"
#include "Vectors.h"
#include "core/Enrollment.h"
#include "core/FormCodec.h"
#include "core/RegistryClient.h"
#include "core/crypto/CertificateRequest.h"
#include "core/crypto/Digest.h"

#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QtTest>

#include <functional>
#include <memory>
#include <sys/stat.h>
#include <unistd.h>

using namespace re6st;
using re6st::test::FakeRegistry;
using re6st::test::FileSizeLimit;
using re6st::test::fileMode;
using re6st::test::readFile;

namespace {

struct Run
{
    Enrollment::Outcome outcome;
    QStringList messages, warnings;
    QList<Enrollment::Step> steps;
    int emailPrompts = 0, tokenPrompts = 0;
};

} // namespace

class TestEnrollment final : public QObject
{
    Q_OBJECT

    Enrollment::Options options(const FakeRegistry &registry, const QTemporaryDir &dir) const
    {
        Enrollment::Options o;
        o.registry = registry.url();
        o.directory = dir.path();
        o.timeoutMs = 20000;
        return o;
    }

    // Runs an enrollment; prompts are answered with `email` / `token` (empty: cancel).
    // `onStep` runs at each step, e.g. to change the directory while the registry answers.
    static Run run(const Enrollment::Options &o, const QString &email = {}, const QString &token = {},
                   const std::function<void(Enrollment::Step)> &onStep = {})
    {
        Run r;
        Enrollment e(o);
        bool done = false;
        QObject::connect(&e, &Enrollment::message, [&](const QString &m) { r.messages << m; });
        QObject::connect(&e, &Enrollment::warning, [&](const QString &m) { r.warnings << m; });
        QObject::connect(&e, &Enrollment::stepChanged, [&](Enrollment::Step s) {
            r.steps << s;
            if (onStep) onStep(s);
        });
        QObject::connect(&e, &Enrollment::emailRequired, [&] {
            ++r.emailPrompts;
            email.isEmpty() ? e.cancel() : e.provideEmail(email);
        });
        QObject::connect(&e, &Enrollment::tokenRequired, [&] {
            ++r.tokenPrompts;
            token.isEmpty() ? e.cancel() : e.provideToken(token);
        });
        QObject::connect(&e, &Enrollment::finished, [&](const Enrollment::Outcome &out) {
            r.outcome = out;
            done = true;
        });
        e.start();
        [&] { QTRY_VERIFY_WITH_TIMEOUT(done, 60000); }();
        return r;
    }

private Q_SLOTS:
    void helpers()
    {
        QCOMPARE(Enrollment::asctime(0), QStringLiteral("Thu Jan  1 00:00:00 1970"));
        QCOMPARE(Enrollment::asctime(1827224810), QStringLiteral("Fri Nov 26 10:26:50 2027"));
        QCOMPARE(*Enrollment::sampleConfig(QStringLiteral("http://re6st.example.com/"), QStringLiteral("FR,EU")),
                 QByteArray("registry http://re6st.example.com/\nca ca.crt\ncert cert.crt\nkey cert.key\ncountry FR\n"
                            "# increase re6stnet verbosity:\n#verbose 3\n# enable OpenVPN logging:\n#ovpnlog\n"
                            "# uncomment the following 2 lines to increase OpenVPN verbosity:\n#O--verb\n#O3\n"));
        QVERIFY(Enrollment::sampleConfig(QStringLiteral("u"), QString())->contains("key cert.key\n\n# increase"));
        QString error;
        // Audit F1, defence in depth: no value may become several re6stnet.conf options.
        const QString url = QStringLiteral("http://127.0.0.1:8000/");
        for (const QString &bad : {url + QStringLiteral("\u00a0--up\u00a0/tmp/evil.sh"), url + QStringLiteral("\nup x"),
                                   url + QStringLiteral("\tx"), url + QStringLiteral("'x'"), url + QStringLiteral("\"x"),
                                   url + QStringLiteral("\\x"), url + QStringLiteral("#x"), url + QStringLiteral("\u2028x")}) {
            error.clear();
            QVERIFY2(!Enrollment::sampleConfig(bad, QString(), &error), qPrintable(bad));
            QVERIFY2(error.startsWith(QLatin1String("the registry value contains U+")), qPrintable(error));
        }
        QVERIFY(!Enrollment::sampleConfig(url, QStringLiteral("F R,EU"), &error));
        QCOMPARE(error, QStringLiteral("the country value contains U+0020, which re6stnet.conf cannot hold (whitespace, "
                                       "control characters, quotes, '\\' and '#' are refused)"));
        QVERIFY(!Enrollment::sampleConfig(url, QStringLiteral("FR\nup x,EU"), &error));
        QVERIFY(!Enrollment::sampleConfig(url, QStringLiteral("*,EU"))->contains("country"));
        for (const char *good : {"FR,EU", "*,*", "fr,eu", "*,EU", "US,NA", ""})
            QVERIFY2(Enrollment::locationError(QString::fromLatin1(good)).isEmpty(), good);
        QVERIFY(Enrollment::emailError(QStringLiteral("n1+tag@example.com")).isEmpty());
        QCOMPARE(Enrollment::emailError(QStringLiteral("a@b\u202e")),
                 QStringLiteral("invalid email address: it contains the control character U+202E; give the address alone"));
        QVERIFY(Enrollment::parseFingerprint(QStringLiteral("sha256:E53536EB9E2A90EE780B152C751175BFCC7AD3A5323D5716CA4A5F904AF53512"), &error));
        for (const char *bad : {"sha1", "sha1:zz", "nope:00", "sha1:abcd", ":00", "sha1:0"}) {
            error.clear();
            QVERIFY2(!Enrollment::parseFingerprint(QString::fromLatin1(bad), &error), bad);
            QVERIFY2(error.startsWith(QLatin1String("invalid fingerprint: ")), qPrintable(error));
        }
    }

    // §16.3 test_basic: prompts, requestToken once, files and permissions.
    void basic()
    {
        FakeRegistry registry;
        QTemporaryDir dir;
        Enrollment::Options o = options(registry, dir);
        o.fingerprint = QStringLiteral("sha1:") + QString::fromLatin1(crypto::sha1(registry.ca.toDer()).toHex());
        o.req = {{QStringLiteral("L"), QStringLiteral("lille")}, {QStringLiteral("O"), QString()}};
        const Run r = run(o, QStringLiteral("n1@example.com"), QStringLiteral("goodtoken"));
        QVERIFY2(r.outcome.status == Enrollment::Status::Success, qPrintable(r.outcome.error));
        QCOMPARE(r.outcome.exitCode, 0);
        QCOMPARE(r.emailPrompts, 1);
        QCOMPARE(r.tokenPrompts, 1);
        QCOMPARE(registry.methods(), (QList<QByteArray>{"getCa", "requestToken", "requestCertificate"}));
        QCOMPARE(registry.calls[1].params.value("email"), QByteArray("n1@example.com"));
        QCOMPARE(registry.calls[2].params.value("token"), QByteArray("goodtoken"));
        QCOMPARE(registry.calls[2].params.value("location"), QByteArray());
        QVERIFY(r.warnings.isEmpty());
        QCOMPARE(r.steps, (QList<Enrollment::Step>{Enrollment::Step::FetchingCa, Enrollment::Step::RequestingToken,
                                                   Enrollment::Step::GeneratingKey,
                                                   Enrollment::Step::RequestingCertificate, Enrollment::Step::Done}));

        const QDir d(dir.path());
        QCOMPARE(readFile(d.filePath("ca.crt")), registry.ca.toPem());
        const auto key = crypto::RsaKey::fromPem(readFile(d.filePath("cert.key")));
        QVERIFY(key && key->hasPrivate());
        QCOMPARE(key->bits(), 2048);
        QCOMPARE(fileMode(d.filePath("cert.key")), 0600);
        const auto cert = crypto::Certificate::fromPem(readFile(d.filePath("cert.crt")));
        QVERIFY(cert);
        QVERIFY(cert->publicKey().samePublicKey(*key));
        QCOMPARE(crypto::subjectValue(cert->subject(), "L"), QStringLiteral("lille"));
        QVERIFY(crypto::subjectValue(cert->subject(), "O").isNull()); // empty values skipped
        QCOMPARE(readFile(d.filePath("re6stnet.conf")), *Enrollment::sampleConfig(registry.url(), QString()));
        QCOMPARE(d.entryList(QDir::Files | QDir::Hidden).size(), 4); // no temporary left over

        QCOMPARE(r.outcome.cn, QStringLiteral("1/16"));
        QCOMPARE(r.outcome.subnet, QStringLiteral("2001:db8:42:1::/64"));
        QCOMPARE(r.outcome.address, QStringLiteral("2001:db8:42:1::1"));
        QCOMPARE(r.outcome.notAfter, cert->notAfter());
        QCOMPARE(r.outcome.renewAfter, cert->notAfter() - 30 * 86400);
        QCOMPARE(r.messages, (QStringList{
            QStringLiteral("Generating 2048-bit key ..."), QStringLiteral("Requesting certificate ..."),
            QStringLiteral("Setup complete. Certificate is valid until %1 UTC and will be automatically renewed after %2 UTC.")
                .arg(Enrollment::asctime(cert->notAfter()), Enrollment::asctime(cert->notAfter() - 30 * 86400)),
            QStringLiteral("Do not forget to backup to your private key (cert.key) or you will lose your assigned subnet."),
            QStringLiteral("Sample configuration file created."),
            QStringLiteral("Your subnet: 2001:db8:42:1::/64 (CN=1/16)")}));
    }

    // Upstream's own value for the demo CA (vectors README).
    void fingerprintSha256()
    {
        FakeRegistry registry;
        QTemporaryDir dir;
        Enrollment::Options o = options(registry, dir);
        o.fingerprint = QStringLiteral("sha256:e53536eb9e2a90ee780b152c751175bfcc7ad3a5323d5716ca4a5f904af53512");
        o.mode = Enrollment::Mode::CaOnly;
        const Run r = run(o);
        QCOMPARE(r.outcome.status, Enrollment::Status::Success);
        QVERIFY(r.warnings.isEmpty());
        QVERIFY(QFile::exists(dir.filePath("ca.crt")));
    }

    // §16.3 test_fingerprint_mismatch: nothing written.
    void fingerprintMismatch()
    {
        FakeRegistry registry;
        QTemporaryDir dir;
        Enrollment::Options o = options(registry, dir);
        o.fingerprint = QStringLiteral("sha1:") + QString(40, QLatin1Char('0'));
        const Run r = run(o, QStringLiteral("e@x"), QStringLiteral("goodtoken"));
        QCOMPARE(r.outcome.status, Enrollment::Status::Failed);
        QCOMPARE(r.outcome.exitCode, 1);
        QCOMPARE(r.outcome.error, QStringLiteral("CA fingerprint doesn't match"));
        QVERIFY(r.outcome.hint.contains(QString::fromLatin1(crypto::sha1(registry.ca.toDer()).toHex())));
        QCOMPARE(registry.methods(), QList<QByteArray>{"getCa"});
        QVERIFY(QDir(dir.path()).isEmpty());
    }

    void invalidFingerprint()
    {
        FakeRegistry registry;
        QTemporaryDir dir;
        Enrollment::Options o = options(registry, dir);
        o.fingerprint = QStringLiteral("sha1:abcd");
        const Run r = run(o);
        QCOMPARE(r.outcome.status, Enrollment::Status::UsageError);
        QCOMPARE(r.outcome.exitCode, 2);
        QVERIFY(r.outcome.error.startsWith(QLatin1String("invalid fingerprint: ")));
        QVERIFY(registry.calls.isEmpty());
    }

    // §16.3 test_ca_only.
    void caOnly()
    {
        FakeRegistry registry;
        QTemporaryDir dir;
        Enrollment::Options o = options(registry, dir);
        o.mode = Enrollment::Mode::CaOnly;
        o.req = {{QStringLiteral("CN"), QStringLiteral("ignored in this mode")}};
        const Run r = run(o);
        QCOMPARE(r.outcome.exitCode, 0);
        QCOMPARE(r.warnings, QStringList{QStringLiteral("WARNING: it is strongly recommended to use --fingerprint option.")});
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden), QStringList{QStringLiteral("ca.crt")});
        QCOMPARE(registry.methods(), QList<QByteArray>{"getCa"});
    }

    void networkOnly()
    {
        FakeRegistry registry;
        QTemporaryDir dir;
        Enrollment::Options o = options(registry, dir);
        o.mode = Enrollment::Mode::NetworkOnly;
        const Run r = run(o);
        QCOMPARE(r.outcome.exitCode, 0);
        QCOMPARE(r.outcome.networkBits, QByteArray("001000000000000100001101101110000000000001000010"));
        QVERIFY(QDir(dir.path()).isEmpty());
    }

    // §16.3 test_anonymous, plus re6stnet.conf "country" and an existing key reused.
    void anonymousWithLocationAndKey()
    {
        FakeRegistry registry;
        registry.cn = QStringLiteral("1536/24");
        QTemporaryDir dir;
        QFile key(dir.filePath("cert.key"));
        QVERIFY(key.open(QIODevice::WriteOnly));
        key.write(test::readVector(QStringLiteral("crypto/anon-1536-24.key")));
        key.close();
        Enrollment::Options o = options(registry, dir);
        o.anonymous = true;
        o.location = QStringLiteral("FR,EU");
        const Run r = run(o);
        QVERIFY2(r.outcome.status == Enrollment::Status::Success, qPrintable(r.outcome.error));
        QCOMPARE(r.emailPrompts + r.tokenPrompts, 0);
        QCOMPARE(registry.methods(), (QList<QByteArray>{"getCa", "requestCertificate"}));
        QCOMPARE(registry.calls[1].params.value("token"), QByteArray(""));
        QVERIFY(registry.calls[1].params.contains("token"));
        QCOMPARE(registry.calls[1].params.value("location"), QByteArray("FR,EU"));
        QCOMPARE(r.messages.first(), QStringLiteral("Reusing existing key."));
        QVERIFY(!r.steps.contains(Enrollment::Step::GeneratingKey));
        QCOMPARE(r.outcome.subnet, QStringLiteral("2001:db8:42:6::/72"));
        QVERIFY(readFile(dir.filePath("re6stnet.conf")).contains("\ncountry FR\n"));
        QCOMPARE(r.messages.last(), QStringLiteral("Your subnet: 2001:db8:42:6::/72 (CN=1536/24)"));
    }

    // §16.3 test_anonymous_failed.
    void anonymousConflicts()
    {
        FakeRegistry registry;
        QTemporaryDir dir;
        Enrollment::Options o = options(registry, dir);
        o.anonymous = true;
        o.token = QStringLiteral("a");
        const Run r = run(o);
        QCOMPARE(r.outcome.status, Enrollment::Status::UsageError);
        QCOMPARE(r.outcome.exitCode, 2);
        QVERIFY(r.outcome.error.contains(QLatin1String("anonymous conflicts")));
        QVERIFY(registry.calls.isEmpty());
    }

    void anonymousForbidden()
    {
        FakeRegistry registry;
        registry.anonymousAllowed = false;
        QTemporaryDir dir;
        Enrollment::Options o = options(registry, dir);
        o.anonymous = true;
        const Run r = run(o);
        QCOMPARE(r.outcome.exitCode, 1);
        QVERIFY2(r.outcome.error.startsWith(QLatin1String("Error: anonymous registration is disabled")), qPrintable(r.outcome.error));
        QVERIFY(!QFile::exists(dir.filePath("cert.crt")));
        QVERIFY(QFile::exists(dir.filePath("cert.key"))); // complete, reusable next time
    }

    // §16.3 test_req_reserved.
    void reqReserved()
    {
        FakeRegistry registry;
        QTemporaryDir dir;
        Enrollment::Options o = options(registry, dir);
        o.token = QStringLiteral("goodtoken");
        o.req = {{QStringLiteral("CN"), QStringLiteral("1111")}};
        Run r = run(o);
        QCOMPARE(r.outcome.exitCode, 1);
        QCOMPARE(r.outcome.error, QStringLiteral("CN field is reserved."));
        o.req = {{QStringLiteral("serial"), QStringLiteral("1")}};
        r = run(o);
        QCOMPARE(r.outcome.error, QStringLiteral("serial field is reserved."));
        o.req = {{QStringLiteral("bogusField"), QStringLiteral("1")}};
        r = run(o);
        QCOMPARE(r.outcome.exitCode, 1);
        QVERIFY(r.outcome.error.contains(QLatin1String("bogusField")));
        QVERIFY(registry.calls.isEmpty());
        QVERIFY(QDir(dir.path()).isEmpty());
    }

    // §16.3 test_get_null_cert: 204 -> invalid token, no token hint, no empty cert.crt.
    void nullCertificate()
    {
        FakeRegistry registry;
        QTemporaryDir dir;
        Enrollment::Options o = options(registry, dir);
        o.email = QStringLiteral("e@example.com");
        const Run r = run(o, {}, QStringLiteral("badtoken"));
        QCOMPARE(r.outcome.exitCode, 1);
        QCOMPARE(r.outcome.error, QStringLiteral("Error: invalid or expired token"));
        QVERIFY(!r.outcome.hint.contains(QLatin1String("--token to retry")));
        QCOMPARE(r.emailPrompts, 0);
        QVERIFY(!QFile::exists(dir.filePath("cert.crt")));
        QCOMPARE(fileMode(dir.filePath("cert.key")), 0600);
    }

    // A failure after a token was mailed keeps the hint; an existing cert.crt is untouched.
    void failureKeepsFilesAndHint()
    {
        FakeRegistry registry;
        registry.certificateStatus = 500;
        QTemporaryDir dir;
        const QByteArray old = test::readVector(QStringLiteral("crypto/node-1-16.crt"));
        QFile f(dir.filePath("cert.crt"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(old);
        f.close();
        Enrollment::Options o = options(registry, dir);
        o.email = QStringLiteral("e@example.com");
        o.req = {{QStringLiteral("localityName"), QStringLiteral("Lille")}};
        const Run r = run(o, {}, QStringLiteral("goodtoken"));
        QCOMPARE(r.outcome.exitCode, 1);
        QVERIFY2(r.outcome.error.startsWith(QLatin1String("Error: the registry refused the certificate request")),
                 qPrintable(r.outcome.error));
        QVERIFY(r.outcome.hint.endsWith(QLatin1String("Use --token to retry without asking a new token")));
        QCOMPARE(readFile(dir.filePath("cert.crt")), old);

        // Retry with the token: the old subject (minus CN) is carried into the CSR.
        registry.certificateStatus = 200;
        o.email.clear();
        o.token = QStringLiteral("goodtoken");
        const Run ok = run(o);
        QVERIFY2(ok.outcome.status == Enrollment::Status::Success, qPrintable(ok.outcome.error));
        QCOMPARE(ok.messages.first(), QStringLiteral("Reusing existing key."));
        const auto csr = crypto::CertificateRequest::fromPem(registry.lastCsr);
        QVERIFY(csr);
        QCOMPARE(crypto::subjectValue(csr->subject(), "serialNumber"), QStringLiteral("1"));
        QCOMPARE(crypto::subjectValue(csr->subject(), "L"), QStringLiteral("Lille"));
        QVERIFY(crypto::subjectValue(csr->subject(), "CN").isNull());
        QVERIFY(readFile(dir.filePath("cert.crt")) != old);
    }

    void tokenRequestForbidden()
    {
        FakeRegistry registry;
        registry.tokenStatus = 403;
        QTemporaryDir dir;
        Enrollment::Options o = options(registry, dir);
        const Run r = run(o, QStringLiteral("e@example.com"), QStringLiteral("never asked"));
        QCOMPARE(r.outcome.exitCode, 1);
        QVERIFY2(r.outcome.error.contains(QLatin1String("403")), qPrintable(r.outcome.error));
        QVERIFY(r.outcome.hint.contains(QLatin1String("--token")));
        QCOMPARE(r.tokenPrompts, 0);
    }

    // Our registry explains a refusal (rate limit, bad address): the user reads why.
    void tokenRequestRefusalExplained()
    {
        FakeRegistry registry;
        registry.tokenStatus = 403;
        registry.tokenPage = "<h1>403 Forbidden</h1><p>requestToken: a token was mailed to e@example.com 20 s ago; "
                             "use it, or ask again in 40 s</p>";
        QTemporaryDir dir;
        Enrollment::Options o = options(registry, dir);
        Run r = run(o, QStringLiteral("e@example.com"), QStringLiteral("never asked"));
        QCOMPARE(r.outcome.exitCode, 1);
        QCOMPARE(r.outcome.error, QStringLiteral("Error: the registry refused to mail a token: requestToken: a token "
                                                 "was mailed to e@example.com 20 s ago; use it, or ask again in 40 s"));
        QVERIFY(r.outcome.hint.contains(QLatin1String("--token")));
        QCOMPARE(r.tokenPrompts, 0);
        QVERIFY(!QFile::exists(dir.filePath("cert.key")));

        // 400: no token was made, so no prompt for one.
        registry.tokenStatus = 400;
        registry.tokenPage = "<h1>400 Bad Request</h1><p>requestToken: invalid email address: it contains ','; give "
                             "one plain address, name@domain</p>";
        r = run(o, QStringLiteral("e@example.com"), QStringLiteral("never asked"));
        QCOMPARE(r.outcome.exitCode, 1);
        QVERIFY2(r.outcome.error.startsWith(QLatin1String("Error: the registry refused the request for a token (")),
                 qPrintable(r.outcome.error));
        QVERIFY2(r.outcome.error.endsWith(QLatin1String(" to requestToken: requestToken: "
                                                        "invalid email address: it contains ','; give one plain "
                                                        "address, name@domain)")),
                 qPrintable(r.outcome.error));
        QCOMPARE(r.tokenPrompts, 0);
    }

    // The registry's rule, checked before anything is sent.
    void emailCheckedAsTheRegistryDoes()
    {
        FakeRegistry registry;
        QTemporaryDir dir;
        Enrollment::Options o = options(registry, dir);
        o.email = QStringLiteral("<e@example.com>");
        const Run r = run(o, {}, QStringLiteral("goodtoken"));
        QCOMPARE(r.outcome.status, Enrollment::Status::UsageError);
        QCOMPARE(r.outcome.error, QStringLiteral("invalid email address: it contains '<'; give one plain address, "
                                                 "name@domain"));
        QVERIFY(registry.calls.isEmpty());
    }

    void unreachableRegistry()
    {
        quint16 port = 0;
        {
            QTcpServer probe;
            QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
            port = probe.serverPort();
        }
        QTemporaryDir dir;
        Enrollment::Options o;
        o.registry = QStringLiteral("http://127.0.0.1:%1/").arg(port);
        o.directory = dir.path();
        const Run r = run(o);
        QCOMPARE(r.outcome.exitCode, 1);
        QCOMPARE(r.outcome.error, QStringLiteral("Error: cannot reach http://127.0.0.1:%1/: Connection refused").arg(port));
        QVERIFY(QDir(dir.path()).isEmpty());
    }

    // Step 17: an existing re6stnet.conf, even a dangling symlink, is left alone.
    void existingConfiguration()
    {
        FakeRegistry registry;
        QTemporaryDir dir;
        QVERIFY(QFile::link(dir.filePath("nowhere"), dir.filePath("re6stnet.conf")));
        Enrollment::Options o = options(registry, dir);
        o.token = QStringLiteral("goodtoken");
        const Run r = run(o);
        QCOMPARE(r.outcome.exitCode, 0);
        QVERIFY(!r.outcome.configCreated);
        QVERIFY(!r.messages.contains(QStringLiteral("Sample configuration file created.")));
        QVERIFY(QFileInfo(dir.filePath("re6stnet.conf")).isSymLink());
        QVERIFY(!QFile::exists(dir.filePath("nowhere")));
    }

    // Audit F1: the location ends up in re6stnet.conf, which root's re6stnet runs
    // (`up` lines): anything but CC,CONT (R§11) is a usage error before any traffic.
    void badLocationIsRefusedBeforeAnyTraffic_data()
    {
        QTest::addColumn<QString>("location");
        QTest::newRow("injected up line") << QStringLiteral("FR\nup 'touch /tmp/pwned'\ndaemon id,EU");
        QTest::newRow("space") << QStringLiteral("F R,EU");
        QTest::newRow("trailing CR") << QStringLiteral("FR,EU\r");
        QTest::newRow("trailing LF") << QStringLiteral("FR,EU\n");
        QTest::newRow("no-break space") << QStringLiteral("FR\u00a0--up\u00a0x,EU");
        QTest::newRow("no continent") << QStringLiteral("FR");
        QTest::newRow("three letters") << QStringLiteral("FRA,EU");
        QTest::newRow("three parts") << QStringLiteral("FR,EU,AS");
        QTest::newRow("quote") << QStringLiteral("F',EU");
        QTest::newRow("non-ASCII letters") << QStringLiteral("\u00c9\u00c9,EU");
        QTest::newRow("@ continent") << QStringLiteral("FR,@EU");
    }

    void badLocationIsRefusedBeforeAnyTraffic()
    {
        QFETCH(QString, location);
        FakeRegistry registry;
        QTemporaryDir dir;
        Enrollment::Options o = options(registry, dir);
        o.anonymous = true;
        o.location = location;
        const Run r = run(o);
        QCOMPARE(r.outcome.status, Enrollment::Status::UsageError);
        QCOMPARE(r.outcome.failure, Enrollment::Failure::Usage);
        QCOMPARE(r.outcome.exitCode, 2);
        QCOMPARE(r.outcome.error, QStringLiteral("--location must be CC,CONT, e.g. FR,EU (country code or *, "
                                                 "continent code or *)"));
        QVERIFY(registry.calls.isEmpty());
        QVERIFY(QDir(dir.path()).isEmpty());
    }

    // R§11: '*' is the "unknown" country/continent; it is sent, but not written as
    // `country *` (the node would advertise '*' as its country, node-protocol §5.10).
    void starLocation()
    {
        FakeRegistry registry;
        QTemporaryDir dir;
        Enrollment::Options o = options(registry, dir);
        o.anonymous = true;
        o.location = QStringLiteral("*,eu");
        const Run r = run(o);
        QVERIFY2(r.outcome.status == Enrollment::Status::Success, qPrintable(r.outcome.error));
        QCOMPARE(registry.calls.last().params.value("location"), QByteArray("*,eu"));
        const QByteArray conf = readFile(dir.filePath("re6stnet.conf"));
        QVERIFY(conf.contains("key cert.key\n\n# increase"));
        QVERIFY(!conf.contains("country"));
    }

    // Audit F1: a registry URL with U+00A0 (QUrl accepts it) was split into extra
    // re6stnet.conf options; it is now refused before any traffic.
    void registryUrlWithNoBreakSpaceIsRefused()
    {
        FakeRegistry registry;
        QTemporaryDir dir;
        Enrollment::Options o = options(registry, dir);
        o.registry = registry.url() + QStringLiteral("\u00a0--up\u00a0/tmp/evil.sh");
        o.anonymous = true;
        const Run r = run(o);
        QCOMPARE(r.outcome.status, Enrollment::Status::UsageError);
        QVERIFY2(r.outcome.error.startsWith(QLatin1String("--registry URL must not contain")), qPrintable(r.outcome.error));
        QVERIFY(registry.calls.isEmpty());
        QVERIFY(QDir(dir.path()).isEmpty());
    }

    // Audit F12: control characters in the email (header injection in the token mail).
    void emailWithControlCharacters()
    {
        FakeRegistry registry;
        QTemporaryDir dir;
        Enrollment::Options o = options(registry, dir);
        o.email = QStringLiteral("e@example.com\r\nBcc: all@example.com");
        Run r = run(o, {}, QStringLiteral("goodtoken"));
        QCOMPARE(r.outcome.status, Enrollment::Status::UsageError);
        QCOMPARE(r.outcome.exitCode, 2);
        QVERIFY2(r.outcome.error.contains(QLatin1String("control character U+000D")), qPrintable(r.outcome.error));
        QVERIFY(registry.calls.isEmpty());

        o.email.clear(); // the same at the prompt: the CA was fetched, the address is not sent
        r = run(o, QStringLiteral("e@exa\tmple.com"), QStringLiteral("goodtoken"));
        QCOMPARE(r.outcome.status, Enrollment::Status::UsageError);
        QVERIFY2(r.outcome.error.contains(QLatin1String("control character U+0009")), qPrintable(r.outcome.error));
        QCOMPARE(registry.methods(), QList<QByteArray>{"getCa"});
        QVERIFY(!QFile::exists(dir.filePath("cert.key")));
    }

    // Audit F6: a write error on the new certificate (here EFBIG through RLIMIT_FSIZE,
    // as ENOSPC would) leaves the previous cert.crt untouched, says why, and hands the
    // issued certificate back.
    void certificateWriteErrorKeepsOldCertificate()
    {
        FakeRegistry registry;
        QTemporaryDir dir;
        const QByteArray old = test::readVector(QStringLiteral("crypto/node-1-16.crt"));
        QFile f(dir.filePath("cert.crt"));
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write(old);
        f.close();
        Enrollment::Options o = options(registry, dir);
        o.token = QStringLiteral("goodtoken");
        std::unique_ptr<FileSizeLimit> limit;
        const Run r = run(o, {}, {}, [&](Enrollment::Step s) {
            // ca.crt and cert.key are written by now; only the certificate is left.
            if (s == Enrollment::Step::RequestingCertificate) limit = std::make_unique<FileSizeLimit>(100);
        });
        QVERIFY(limit && limit->isActive());
        limit.reset();
        QCOMPARE(r.outcome.status, Enrollment::Status::Failed);
        QVERIFY2(r.outcome.error.startsWith(QStringLiteral("Error: cannot write %1: ").arg(dir.filePath("cert.crt"))),
                 qPrintable(r.outcome.error));
        QVERIFY2(r.outcome.error.endsWith(QLatin1String(": File too large")), qPrintable(r.outcome.error));
        QCOMPARE(readFile(dir.filePath("cert.crt")), old);
        QVERIFY(!QFile::exists(dir.filePath("re6stnet.conf")));
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden),
                 (QStringList{QStringLiteral("ca.crt"), QStringLiteral("cert.crt"), QStringLiteral("cert.key")}));
        // The token is spent by then: the outcome carries the issued certificate
        // (re6st-conf prints it) and the hint names the file of its key, which stays.
        const auto cert = crypto::Certificate::fromPem(r.outcome.unsavedCertificate);
        const auto key = crypto::RsaKey::fromPem(readFile(dir.filePath("cert.key")));
        QVERIFY(cert && key);
        QVERIFY(cert->publicKey().samePublicKey(*key));
        QVERIFY2(r.outcome.hint.contains(QStringLiteral("Keep %1: it is its private key").arg(dir.filePath("cert.key"))),
                 qPrintable(r.outcome.hint));
    }

    // Step 15's fallback stays for a directory where no temporary file can be created.
    void certificateRewrittenInPlaceInReadOnlyDirectory()
    {
        if (::geteuid() == 0)
            QSKIP("root writes in a read-only (0500) directory");
        FakeRegistry registry;
        QTemporaryDir dir;
        Enrollment::Options o = options(registry, dir);
        o.token = QStringLiteral("goodtoken");
        const Run r = run(o, {}, {}, [&](Enrollment::Step s) {
            if (s == Enrollment::Step::RequestingCertificate) QFile::setPermissions(dir.path(), QFile::ReadOwner | QFile::ExeOwner);
        });
        QFile::setPermissions(dir.path(), QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        QVERIFY2(r.outcome.status == Enrollment::Status::Success, qPrintable(r.outcome.error));
        const auto cert = crypto::Certificate::fromPem(readFile(dir.filePath("cert.crt")));
        QVERIFY(cert);
        QCOMPARE(cert->commonName(), QStringLiteral("1/16"));
        QVERIFY(!r.outcome.configCreated); // no temporary file for re6stnet.conf either
    }

    // Audit F9: cert.crt / cert.key must be small regular files (a FIFO used to block for ever).
    void pemInputsMustBeSmallRegularFiles()
    {
        FakeRegistry registry;
        QTemporaryDir dir;
        QVERIFY(::mkfifo(QFile::encodeName(dir.filePath("cert.crt")).constData(), 0600) == 0);
        Enrollment::Options o = options(registry, dir);
        o.token = QStringLiteral("goodtoken");
        Run r = run(o);
        QCOMPARE(r.outcome.status, Enrollment::Status::Failed);
        QVERIFY2(r.outcome.error.contains(QLatin1String("cert.crt: not a regular file")), qPrintable(r.outcome.error));
        QVERIFY(QFile::remove(dir.filePath("cert.crt")));

        QFile key(dir.filePath("cert.key"));
        QVERIFY(key.open(QIODevice::WriteOnly));
        key.write(test::readVector(QStringLiteral("crypto/anon-1536-24.key")));
        key.write(QByteArray(1 << 20, '\n'));
        key.close();
        r = run(o);
        QCOMPARE(r.outcome.status, Enrollment::Status::Failed);
        QVERIFY2(r.outcome.error.contains(QLatin1String("cert.key: larger than 1 MiB")), qPrintable(r.outcome.error));
        QCOMPARE(registry.methods(), (QList<QByteArray>{"getCa", "getCa"}));
    }

    void cancelAtTokenPrompt()
    {
        FakeRegistry registry;
        QTemporaryDir dir;
        Enrollment::Options o = options(registry, dir);
        const Run r = run(o, QStringLiteral("e@example.com"), QString());
        QCOMPARE(r.outcome.exitCode, 1);
        QCOMPARE(r.outcome.error, QStringLiteral("Error: cancelled"));
        QVERIFY(r.outcome.hint.contains(QLatin1String("Use --token to retry without asking a new token")));
        QVERIFY(!QFile::exists(dir.filePath("cert.key")));
    }
};

QTEST_GUILESS_MAIN(TestEnrollment)
#include "tst_enrollment.moc"
