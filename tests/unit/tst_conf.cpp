// SPDX-License-Identifier: GPL-2.0-or-later
// The re6st-conf program (registry-protocol.md §14) run as a process against an
// in-test fake registry: options, prompts on stdin, messages, exit codes, files.
// Mirrors upstream test_conf.py (§16.3). Needs the re6st-conf target built
// (found beside the build's bin/ directory, or via RE6ST_CONF).
#include "FakeEnrollmentRegistry.h"
#include "Vectors.h"
#include "core/FormCodec.h"
#include "core/crypto/Certificate.h"
#include "core/crypto/CertificateRequest.h"
#include "core/crypto/Digest.h"
#include "core/crypto/RsaKey.h"

#include <QProcess>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QtTest>

#include <sys/stat.h>

using namespace re6st;
using re6st::test::FakeRegistry;
using re6st::test::fileMode;
using re6st::test::readFile;

namespace {

struct Result
{
    int exitCode = -1;
    QString out, err;
};

QString confBinary()
{
    const QString env = qEnvironmentVariable("RE6ST_CONF");
    if (!env.isEmpty())
        return env;
    QDir dir(QCoreApplication::applicationDirPath());
    for (int up = 0; up < 4; ++up, dir.cdUp())
        if (QFileInfo(dir.filePath("bin/re6st-conf")).isExecutable())
            return dir.filePath("bin/re6st-conf");
    return {};
}

} // namespace

class TestConf final : public QObject
{
    Q_OBJECT

    QString m_binary;

    // Runs re6st-conf while this process keeps serving the fake registry.
    Result conf(const QStringList &args, const QByteArray &stdinData = {})
    {
        Result r;
        QProcess p;
        p.start(m_binary, args);
        if (!p.waitForStarted(10000))
            return r;
        p.write(stdinData);
        p.closeWriteChannel();
        [&] { QTRY_VERIFY_WITH_TIMEOUT(p.state() == QProcess::NotRunning, 120000); }();
        r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
        r.out = QString::fromLocal8Bit(p.readAllStandardOutput());
        r.err = QString::fromLocal8Bit(p.readAllStandardError());
        return r;
    }

private Q_SLOTS:
    void initTestCase()
    {
        m_binary = confBinary();
        QVERIFY2(!m_binary.isEmpty(), "re6st-conf not found: build the re6st-conf target or set RE6ST_CONF");
    }

    // §16.3 test_basic through prompts on stdin.
    void basic()
    {
        FakeRegistry registry;
        QTemporaryDir dir;
        const QString fp = QStringLiteral("sha1:") + QString::fromLatin1(crypto::sha1(registry.ca.toDer()).toHex());
        const Result r = conf({QStringLiteral("--registry"), registry.url(), QStringLiteral("-d"), dir.path(),
                               QStringLiteral("--fingerprint"), fp, QStringLiteral("--req"), QStringLiteral("L"),
                               QStringLiteral("lille")},
                              "n1@example.com\ngoodtoken\n");
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QVERIFY(r.out.startsWith(QLatin1String("Please enter your email address: Please enter your token: "
                                               "Generating 2048-bit key ...\nRequesting certificate ...\n"
                                               "Setup complete. Certificate is valid until ")));
        QVERIFY(r.out.contains(QLatin1String(" UTC and will be automatically renewed after ")));
        QVERIFY(r.out.endsWith(QLatin1String(
            "Do not forget to backup to your private key (cert.key) or you will lose your assigned subnet.\n"
            "Sample configuration file created.\nYour subnet: 2001:db8:42:1::/64 (CN=1/16)\n")));
        QVERIFY(!r.out.contains(QLatin1String("WARNING")));
        QCOMPARE(r.err, QString());
        QCOMPARE(registry.methods(), (QList<QByteArray>{"getCa", "requestToken", "requestCertificate"}));
        QCOMPARE(registry.calls[1].params.value("email"), QByteArray("n1@example.com"));
        QCOMPARE(registry.calls[2].params.value("token"), QByteArray("goodtoken"));
        const QDir d(dir.path());
        for (const char *f : {"ca.crt", "cert.key", "cert.crt", "re6stnet.conf"})
            QVERIFY2(QFile::exists(d.filePath(f)), f);
        QCOMPARE(fileMode(d.filePath("cert.key")), 0600);
        QFile conf(d.filePath("re6stnet.conf"));
        QVERIFY(conf.open(QIODevice::ReadOnly));
        QVERIFY(conf.readAll().startsWith("registry " + registry.url().toUtf8() + "\nca ca.crt\n"));
    }

    // §16.3 test_fingerprint_mismatch.
    void fingerprintMismatch()
    {
        FakeRegistry registry;
        QTemporaryDir dir;
        const Result r = conf({QStringLiteral("--registry"), registry.url(), QStringLiteral("--dir"), dir.path(),
                               QStringLiteral("--fingerprint"), QStringLiteral("sha1:") + QString(40, QLatin1Char('a'))});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.startsWith(QLatin1String("CA fingerprint doesn't match\n")), qPrintable(r.err));
        QVERIFY(QDir(dir.path()).isEmpty());
    }

    void invalidFingerprint()
    {
        FakeRegistry registry;
        const Result r = conf({QStringLiteral("--registry"), registry.url(), QStringLiteral("--fingerprint=md5:xyz")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.startsWith(QLatin1String("usage: re6st-conf")), qPrintable(r.err));
        QVERIFY(r.err.contains(QLatin1String("re6st-conf: error: invalid fingerprint: ")));
        QVERIFY(registry.calls.isEmpty());
    }

    // §16.3 test_ca_only.
    void caOnly()
    {
        FakeRegistry registry;
        QTemporaryDir dir;
        const Result r = conf({QStringLiteral("--registry=") + registry.url(), QStringLiteral("-d") + dir.path(),
                               QStringLiteral("--ca-only")});
        QCOMPARE(r.exitCode, 0);
        QCOMPARE(r.out, QStringLiteral("WARNING: it is strongly recommended to use --fingerprint option.\n"));
        QCOMPARE(QDir(dir.path()).entryList(QDir::Files | QDir::Hidden), QStringList{QStringLiteral("ca.crt")});
    }

    // §16.3 test_anonymous.
    void anonymous()
    {
        FakeRegistry registry;
        QTemporaryDir dir;
        const Result r = conf({QStringLiteral("--registry"), registry.url(), QStringLiteral("-d"), dir.path(),
                               QStringLiteral("--anonymous"), QStringLiteral("--location"), QStringLiteral("FR,EU")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QCOMPARE(registry.methods(), (QList<QByteArray>{"getCa", "requestCertificate"}));
        QVERIFY(registry.calls[1].params.contains("token"));
        QCOMPARE(registry.calls[1].params.value("token"), QByteArray());
        QVERIFY(!r.out.contains(QLatin1String("Please enter")));
    }

    // §16.3 test_anonymous_failed.
    void anonymousConflicts()
    {
        FakeRegistry registry;
        const Result r = conf({QStringLiteral("--registry"), registry.url(), QStringLiteral("--anonymous"),
                               QStringLiteral("--token"), QStringLiteral("a")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.endsWith(QLatin1String("re6st-conf: error: --anonymous conflicts with --email/--token\n")));
    }

    // §16.3 test_req_reserved.
    void reqReserved()
    {
        FakeRegistry registry;
        QTemporaryDir dir;
        const Result r = conf({QStringLiteral("--registry"), registry.url(), QStringLiteral("-d"), dir.path(),
                               QStringLiteral("--token"), QStringLiteral("goodtoken"), QStringLiteral("-r"),
                               QStringLiteral("CN"), QStringLiteral("1111")});
        QCOMPARE(r.exitCode, 1);
        QCOMPARE(r.err, QStringLiteral("CN field is reserved.\n"));
    }

    // Audit F1: a run that fails keeps the ca.crt the node's certificate goes with;
    // one that succeeds replaces it (after cert.crt).
    void failedRunKeepsTheExistingCa()
    {
        FakeRegistry registry;
        QTemporaryDir dir;
        const QString caPath = QDir(dir.path()).filePath(QStringLiteral("ca.crt"));
        // Another network's CA, as far as these bytes go.
        const QByteArray previous = readFile(test::vectorPath(QStringLiteral("crypto/node-1-16.crt")));
        QVERIFY(previous != registry.ca.toPem());
        QFile ca(caPath);
        QVERIFY(ca.open(QIODevice::WriteOnly) && ca.write(previous) == previous.size());
        ca.close();
        Result r = conf({QStringLiteral("--registry"), registry.url(), QStringLiteral("-d"), dir.path(),
                         QStringLiteral("--token"), QStringLiteral("wrongtoken")});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.startsWith(QLatin1String("Error: invalid or expired token\n")), qPrintable(r.err));
        QVERIFY2(r.out.contains(QLatin1String("holds another CA: it is replaced once the new certificate is saved")),
                 qPrintable(r.out));
        QCOMPARE(readFile(caPath), previous);
        r = conf({QStringLiteral("--registry"), registry.url(), QStringLiteral("-d"), dir.path(),
                  QStringLiteral("--token"), QStringLiteral("goodtoken")});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
        QCOMPARE(readFile(caPath), registry.ca.toPem());
        // The same CA again: written at once, as upstream does, and no message about it.
        r = conf({QStringLiteral("--registry"), registry.url(), QStringLiteral("-d"), dir.path(),
                  QStringLiteral("--token"), QStringLiteral("wrongtoken")});
        QCOMPARE(r.exitCode, 1);
        QVERIFY(!r.out.contains(QLatin1String("holds another CA")));
    }

    // Audit F8: a -r value the certificate cannot hold is a usage error before anything
    // is generated or sent.
    void reqValueCheckedFirst()
    {
        FakeRegistry registry;
        QTemporaryDir dir;
        Result r = conf({QStringLiteral("--registry"), registry.url(), QStringLiteral("-d"), dir.path(),
                         QStringLiteral("--email"), QStringLiteral("e@example.com"), QStringLiteral("-r"),
                         QStringLiteral("C"), QStringLiteral("FRANCE")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QLatin1String("re6st-conf: error: -r C FRANCE: not a valid C value (")), qPrintable(r.err));
        QVERIFY2(r.err.contains(QLatin1String("C is a 2-letter country code")), qPrintable(r.err));
        r = conf({QStringLiteral("--registry"), registry.url(), QStringLiteral("-d"), dir.path(),
                  QStringLiteral("--token"), QStringLiteral("goodtoken"), QStringLiteral("-r"),
                  QStringLiteral("O"), QString(65, QLatin1Char('o'))});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QLatin1String("not a valid O value (string too long)")), qPrintable(r.err));
        QVERIFY(registry.calls.isEmpty());
        QVERIFY(QDir(dir.path()).isEmpty());
        // Values that fit go through.
        r = conf({QStringLiteral("--registry"), registry.url(), QStringLiteral("-d"), dir.path(),
                  QStringLiteral("--token"), QStringLiteral("goodtoken"), QStringLiteral("-r"), QStringLiteral("C"),
                  QStringLiteral("FR"), QStringLiteral("-r"), QStringLiteral("O"), QString(64, QLatin1Char('o'))});
        QVERIFY2(r.exitCode == 0, qPrintable(r.err));
    }

    // §16.3 test_get_null_cert: no hint, no cert.crt left behind.
    void nullCertificate()
    {
        FakeRegistry registry;
        QTemporaryDir dir;
        const Result r = conf({QStringLiteral("--registry"), registry.url(), QStringLiteral("-d"), dir.path(),
                               QStringLiteral("--email"), QStringLiteral("e@example.com")},
                              "wrongtoken\n");
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.startsWith(QLatin1String("Error: invalid or expired token\n")), qPrintable(r.err));
        QVERIFY(!r.err.contains(QLatin1String("Use --token to retry")));
        QVERIFY(!r.out.contains(QLatin1String("email address")));
        QVERIFY(!QFile::exists(QDir(dir.path()).filePath("cert.crt")));
    }

    // After a token was mailed, a failure reminds the user to reuse it.
    void tokenHint()
    {
        FakeRegistry registry;
        registry.certificateStatus = 500;
        QTemporaryDir dir;
        const Result r = conf({QStringLiteral("--registry"), registry.url(), QStringLiteral("-d"), dir.path()},
                              "e@example.com\n\n\ngoodtoken\n");
        QCOMPARE(r.exitCode, 1);
        QVERIFY(r.out.contains(QLatin1String("Please enter your token: Please enter your token: Please enter your token: Generating")));
        QVERIFY2(r.err.endsWith(QLatin1String("Use --token to retry without asking a new token\n")), qPrintable(r.err));
        QVERIFY(r.err.startsWith(QLatin1String("Error: the registry refused the certificate request")));
        QVERIFY(!QFile::exists(QDir(dir.path()).filePath("cert.crt")));
    }

    // The token is spent once the registry issues the certificate: when cert.crt cannot
    // be written (here a directory took its place; ENOSPC in real life), the certificate
    // is printed and the message says where its key is, so nothing is lost.
    void unwritableCertificateIsPrinted()
    {
        FakeRegistry registry;
        QTemporaryDir dir;
        const QDir d(dir.path());
        registry.onRequestCertificate = [&] {
            QFile::remove(d.filePath("cert.crt")); // the empty file opened at step 11
            QVERIFY(d.mkpath(QStringLiteral("cert.crt/in-the-way")));
        };
        const Result r = conf({QStringLiteral("--registry"), registry.url(), QStringLiteral("-d"), dir.path(),
                               QStringLiteral("--token"), QStringLiteral("goodtoken")});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.startsWith(QStringLiteral("Error: cannot write %1: ").arg(d.filePath("cert.crt"))), qPrintable(r.err));
        QVERIFY2(r.err.contains(QStringLiteral("Keep %1: it is its private key. Save the certificate as %2 once")
                                    .arg(d.filePath("cert.key"), d.filePath("cert.crt"))),
                 qPrintable(r.err));
        const qsizetype begin = r.err.indexOf(QLatin1String("-----BEGIN CERTIFICATE-----"));
        QVERIFY2(begin > 0 && r.err.endsWith(QLatin1String("-----END CERTIFICATE-----\n")), qPrintable(r.err));
        const auto cert = crypto::Certificate::fromPem(r.err.mid(begin).toLatin1());
        const auto key = crypto::RsaKey::fromPem(readFile(d.filePath("cert.key")));
        QVERIFY(cert && key);
        QVERIFY(cert->publicKey().samePublicKey(*key));
        QCOMPARE(cert->commonName(), registry.cn);
    }

    void registrationDisabled()
    {
        FakeRegistry registry;
        registry.tokenStatus = 403;
        QTemporaryDir dir;
        const Result r = conf({QStringLiteral("--registry"), registry.url(), QStringLiteral("-d"), dir.path(),
                               QStringLiteral("--email"), QStringLiteral("e@example.com")});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.startsWith(QLatin1String("Error: the registry does not register nodes by email")), qPrintable(r.err));
        QVERIFY(!r.err.contains(QLatin1String("Traceback")));
        QCOMPARE(r.err.count(QLatin1Char('\n')), 2); // error + what to do
    }

    void unreachable()
    {
        quint16 port = 0;
        {
            QTcpServer probe;
            QVERIFY(probe.listen(QHostAddress::LocalHost, 0));
            port = probe.serverPort();
        }
        const Result r = conf({QStringLiteral("--registry"), QStringLiteral("http://127.0.0.1:%1/").arg(port),
                               QStringLiteral("--ca-only"), QStringLiteral("-d"), QDir::tempPath()});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.startsWith(QStringLiteral("Error: cannot reach http://127.0.0.1:%1/: Connection refused\n").arg(port)),
                 qPrintable(r.err));
    }

    void usageErrors()
    {
        Result r = conf({});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.endsWith(QLatin1String("re6st-conf: error: the following arguments are required: --registry\n")));
        r = conf({QStringLiteral("--registry"), QStringLiteral("http://x/"), QStringLiteral("-r"), QStringLiteral("L")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.contains(QLatin1String("argument -r/--req: expected 2 arguments")));
        r = conf({QStringLiteral("--registry"), QStringLiteral("http://x/"), QStringLiteral("extra")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY(r.err.contains(QLatin1String("unrecognized arguments: extra")));
        // Audit F9: an empty --dir (an unset shell variable) is not the working directory.
        r = conf({QStringLiteral("--registry"), QStringLiteral("http://x/"), QStringLiteral("-d"), QString()});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QLatin1String("re6st-conf: error: argument -d/--dir: empty directory name")),
                 qPrintable(r.err));
        r = conf({QStringLiteral("--help")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(r.out.contains(QLatin1String("--is-needed")));
    }

    // Audit F1: what would land in re6stnet.conf is checked first, in the usual usage-error style.
    void unsafeConfigValuesAreUsageErrors()
    {
        FakeRegistry registry;
        QTemporaryDir dir;
        Result r = conf({QStringLiteral("--registry"), registry.url(), QStringLiteral("-d"), dir.path(),
                         QStringLiteral("--anonymous"), QStringLiteral("--location"), QStringLiteral("FR\nup x,EU")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.startsWith(QLatin1String("usage: re6st-conf")), qPrintable(r.err));
        QVERIFY2(r.err.endsWith(QLatin1String("re6st-conf: error: --location must be CC,CONT, e.g. FR,EU "
                                              "(country code or *, continent code or *)\n")), qPrintable(r.err));
        r = conf({QStringLiteral("--registry"), registry.url() + QStringLiteral("\u00a0--up\u00a0/tmp/evil.sh"),
                  QStringLiteral("-d"), dir.path(), QStringLiteral("--anonymous")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QLatin1String("re6st-conf: error: --registry URL must not contain")), qPrintable(r.err));
        r = conf({QStringLiteral("--registry"), registry.url(), QStringLiteral("-d"), dir.path(),
                  QStringLiteral("--email"), QStringLiteral("e@example.com\r\nBcc: x@example.com")});
        QCOMPARE(r.exitCode, 2);
        QVERIFY2(r.err.contains(QLatin1String("re6st-conf: error: invalid email address")), qPrintable(r.err));
        QVERIFY(registry.calls.isEmpty());
        QVERIFY(QDir(dir.path()).isEmpty());
    }

    void endOfInputAtPrompt()
    {
        FakeRegistry registry;
        QTemporaryDir dir;
        const Result r = conf({QStringLiteral("--registry"), registry.url(), QStringLiteral("-d"), dir.path()});
        QCOMPARE(r.exitCode, 1);
        QVERIFY2(r.err.contains(QLatin1String("use --email")), qPrintable(r.err));
        QCOMPARE(registry.methods(), QList<QByteArray>{"getCa"});
    }

    // §14.4 with the host's real routing table: 2001:db8:42::/48 (documentation prefix)
    // is never routed through re6st here, so re6st is needed -> 0; nothing written.
    void isNeeded()
    {
        if (QStandardPaths::findExecutable(QStringLiteral("ip")).isEmpty()
            && !QFileInfo(QStringLiteral("/usr/sbin/ip")).isExecutable() && !QFileInfo(QStringLiteral("/sbin/ip")).isExecutable())
            QSKIP("iproute2 'ip' is not installed");
        FakeRegistry registry;
        QTemporaryDir dir;
        const Result r = conf({QStringLiteral("--registry"), registry.url(), QStringLiteral("-d"), dir.path(),
                               QStringLiteral("--is-needed")});
        QCOMPARE(r.exitCode, 0);
        QVERIFY(QDir(dir.path()).isEmpty());
        QCOMPARE(registry.methods(), QList<QByteArray>{"getCa"});
    }

    // §14.4 decision on iproute2's JSON, through a stand-in `ip` command.
    void isNeededDecision_data()
    {
        QTest::addColumn<QByteArray>("script");
        QTest::addColumn<int>("exitCode");
        QTest::newRow("routed through re6st")
            << QByteArray("echo '[{\"dst\":\"2001:db8:42::\",\"dev\":\"re6stnet-tcp\",\"prefsrc\":\"2001:db8:42:1::1\",\"flags\":[]}]'") << 1;
        QTest::newRow("other source") << QByteArray("echo '[{\"dst\":\"2001:db8:42::\",\"prefsrc\":\"2001:db8:43::1\"}]'") << 0;
        QTest::newRow("no prefsrc") << QByteArray("echo '[{\"dst\":\"2001:db8:42::\",\"dev\":\"lo\"}]'") << 0;
        QTest::newRow("unreachable") << QByteArray("echo 'RTNETLINK answers: Network is unreachable' >&2; exit 2") << 0;
        QTest::newRow("garbage") << QByteArray("echo '2001:db8:42:: via fe80::1 dev eth0 src 2001:db8:42::1'") << 1;
    }

    void isNeededDecision()
    {
        QFETCH(QByteArray, script);
        QFETCH(int, exitCode);
        FakeRegistry registry;
        QTemporaryDir dir;
        const QString ip = dir.filePath("ip");
        QFile f(ip);
        QVERIFY(f.open(QIODevice::WriteOnly));
        f.write("#!/bin/sh\necho \"$@\" > \"$0.args\"\n" + script + "\n");
        f.close();
        QVERIFY(f.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner));
        qputenv("RE6ST_IP_COMMAND", ip.toLocal8Bit());
        const Result r = conf({QStringLiteral("--registry"), registry.url(), QStringLiteral("--is-needed"),
                               QStringLiteral("-d"), dir.path()});
        qunsetenv("RE6ST_IP_COMMAND");
        QCOMPARE(r.exitCode, exitCode);
        QFile args(ip + QStringLiteral(".args"));
        QVERIFY(args.open(QIODevice::ReadOnly));
        QCOMPARE(args.readAll(), QByteArray("-6 -json route get 2001:db8:42::\n"));
        QVERIFY(!QFile::exists(dir.filePath("ca.crt")));
    }
};

QTEST_GUILESS_MAIN(TestConf)
#include "tst_conf.moc"
