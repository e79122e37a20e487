// SPDX-License-Identifier: GPL-2.0-or-later
// re6st-registry refuses bad files and bad option values at startup, with a clear
// message and the documented exit status (1: a bad file, 2: a usage error), and
// before it creates its log, its database or their directories (audit F3, F4,
// F10, F11; registry-protocol.md §13).
#include "E2eSupport.h"

#include <QTemporaryDir>
#include <QtTest>

using namespace re6st;
using namespace re6st::e2e;

class RegistryStartupE2e final : public QObject
{
    Q_OBJECT

private:
    QTemporaryDir m_tmp;
    QString m_dir;
    int m_case = 0;

    struct Run
    {
        int exitCode = -1;
        QString err;
        QString caseDir;
    };

    // Runs re6st-registry with its database and log in directories of their own
    // under a fresh case directory; `extra` comes last, so it wins.
    Run run(const QStringList &extra)
    {
        Run r;
        r.caseDir = m_tmp.filePath(QStringLiteral("case%1").arg(++m_case));
        QStringList args{QStringLiteral("--port"), QString::number(freePort()),
                         QStringLiteral("-4"), QStringLiteral("127.0.0.1"), QStringLiteral("-6"), QString(),
                         QStringLiteral("--db"), r.caseDir + QStringLiteral("/db/registry.db"),
                         QStringLiteral("--logfile"), r.caseDir + QStringLiteral("/log/registry.log"),
                         QStringLiteral("--run"), m_dir + QStringLiteral("/run"),
                         QStringLiteral("--ca"), m_dir + QStringLiteral("/ca.crt"),
                         QStringLiteral("--key"), m_dir + QStringLiteral("/ca.key"),
                         QStringLiteral("--dh"), vectorsDir() + QStringLiteral("/crypto/dh2048.pem")};
        ProcessGuard p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.remove(QStringLiteral("GEOIP2_MMDB"));
        p->setProcessEnvironment(env);
        p->setProcessChannelMode(QProcess::SeparateChannels);
        p->start(registryBinary(), args + extra);
        if (!p->waitForStarted(10000)) return r;
        if (p->waitForFinished(20000) && p->exitStatus() == QProcess::NormalExit) r.exitCode = p->exitCode();
        p.stop(); // still running: the check under test is missing (exitCode stays -1)
        r.err = QString::fromUtf8(p->readAllStandardError());
        return r;
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY2(m_tmp.isValid() && QFile::exists(registryBinary()), qPrintable(registryBinary()));
        m_dir = m_tmp.path(); // ca.crt, ca.key, run/; each run gets a case directory
        QVERIFY(QDir(m_dir).mkpath(QStringLiteral("run")) && installVectorCa(m_dir)); // 2001:db8:42::/48
        QVERIFY(writeAll(m_dir + QStringLiteral("/garbage.pem"), "garbage\n"));
    }

    void refusedBeforeAnythingIsCreated_data()
    {
        QTest::addColumn<QStringList>("extra");
        QTest::addColumn<int>("exitCode");
        QTest::addColumn<QString>("message");
        struct Case
        {
            const char *name;
            QStringList extra;
            int exitCode;
            const char *message;
        };
        const Case cases[] = {
            // Bad files: exit 1 (audit F3, F4).
            {"--ca missing", {"--ca", "/nonexistent"}, 1,
             "re6st-registry: cannot read /nonexistent: No such file or directory (--ca)"},
            {"--ca a directory", {"--ca", "@DIR@"}, 1, "(--ca)"},
            {"--key the certificate", {"--key", "@DIR@/ca.crt"}, 1,
             "ca.crt is not an unencrypted PEM RSA private key (--key)"},
            {"--dh missing", {"--dh", "/nonexistent"}, 1, "cannot read /nonexistent: No such file or directory (--dh)"},
            {"--dh garbage", {"--dh", "@DIR@/garbage.pem"}, 1,
             "re6st-registry: @DIR@/garbage.pem is not PEM DH parameters (--dh)"},
            {"--dh a certificate", {"--dh", "@DIR@/ca.crt"}, 1, "ca.crt is not PEM DH parameters (--dh)"},
            {"--same-country without GeoIP", {"--same-country", "FR"}, 1, "--same-country needs GeoIP"},
            // Usage errors: exit 2 (audit F2, F3, F10, F11).
            {"-4 shorthand", {"-4", "1.2.3"}, 2, "re6st-registry: error: argument -4: '1.2.3' is not an IPv4 address"},
            {"-4 host name", {"-4", "localhost"}, 2, "argument -4: 'localhost'"},
            {"-6 IPv4", {"-6", "127.0.0.1"}, 2, "argument -6: '127.0.0.1'"},
            {"-4 and -6 empty", {"-4", ""}, 2, "arguments -4 and -6: both are empty, nothing to listen on"},
            {"--prefix-length too long", {"--prefix-length", "120"}, 2,
             "re6st-registry: error: argument --prefix-length: 120 is too long for the /48 network of the CA: "
             "at most 80"},
            {"--anonymous-prefix-length too long", {"--anonymous-prefix-length", "81"}, 2,
             "argument --anonymous-prefix-length: 81 is too long for the /48 network"},
            {"--authorized-origin garbage", {"--authorized-origin", "garbage"}, 2,
             "argument --authorized-origin: 'garbage' is not an IP address"},
            {"--authorized-origin 10.0.0.01", {"--authorized-origin", "10.0.0.01"}, 2,
             "argument --authorized-origin: '10.0.0.01'"},
            {"--mailhost bad port", {"--mailhost", "smtp.example.com:notaport"}, 2,
             "argument --mailhost: 'smtp.example.com:notaport': the port 'notaport' is not a number in 1..65535"},
        };
        for (const Case &c : cases)
            QTest::newRow(c.name) << c.extra << c.exitCode << QString::fromUtf8(c.message);
    }

    void refusedBeforeAnythingIsCreated()
    {
        QFETCH(QStringList, extra);
        QFETCH(int, exitCode);
        QFETCH(QString, message);
        for (QString &arg : extra) arg.replace("@DIR@", m_dir);
        message.replace("@DIR@", m_dir);
        const Run r = run(extra);
        QVERIFY2(r.err.contains(message), qPrintable(r.err));
        QCOMPARE(r.exitCode, exitCode);
        // Nothing left behind: neither the database nor the log, nor their directories.
        QVERIFY2(!QFileInfo::exists(r.caseDir + QStringLiteral("/db")), "the database directory was created");
        QVERIFY2(!QFileInfo::exists(r.caseDir + QStringLiteral("/log")), "the log directory was created");
    }

    // Good values next to the limits start (the --dh vector is PEM DH parameters).
    void goodValuesStart()
    {
        const QString dir = m_tmp.filePath(QStringLiteral("good"));
        QVERIFY(QDir().mkpath(dir));
        QVERIFY(installVectorCa(dir));
        RegistryProcess registry;
        QString error;
        QVERIFY2(registry.start(RegistryProcess::config(dir, {"--prefix-length", "80", "--anonymous-prefix-length", "80",
                                                              "--authorized-origin", "FD00::0001",
                                                              "--mailhost", "smtp.example.com:2525"}),
                                &error),
                 qPrintable(error));
        QVERIFY(registry.alive());
        registry.stop();
    }
};

QTEST_GUILESS_MAIN(RegistryStartupE2e)
#include "tst_registrystartup_e2e.moc"
