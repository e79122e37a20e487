// SPDX-License-Identifier: GPL-2.0-or-later
// re6stctl's error lines and exit codes (tools/re6stctl/ErrorTranslator): every
// error name of dbus/org.re6st.Node1.xml and org.re6st.Enrollment1.xml, and the bus's
// own errors, give one line "re6stctl: ..." saying what to do next.
#include "../../tools/re6stctl/ErrorTranslator.h"

#include <QFile>
#include <QRegularExpression>
#include <QtTest>

using namespace re6st::ctl;
using Command = CommandLine::Command;

class TestRe6stctlErrors final : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void translate_data()
    {
        QTest::addColumn<int>("command");
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("message");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("expected"); // part of the line
        const int failed = int(ExitCode::Failed);
        QTest::newRow("ServiceUnknown") << int(Command::Status) << "org.freedesktop.DBus.Error.ServiceUnknown"
                                        << "The name org.re6st.Node was not provided by any .service files"
                                        << int(ExitCode::NoDaemon) << "`systemctl start re6stnet`";
        QTest::newRow("NameHasNoOwner") << int(Command::Peers) << "org.freedesktop.DBus.Error.NameHasNoOwner" << ""
                                        << int(ExitCode::NoDaemon) << "the re6stnet daemon is not running";
        QTest::newRow("NoReply") << int(Command::Start) << "org.freedesktop.DBus.Error.NoReply" << "timeout"
                                 << int(ExitCode::NoDaemon) << "did not answer in time (cannot start the node)";
        // Audit L4: the daemon left mid-call (crash, restart): not "slow".
        QTest::newRow("NoReply disconnected")
            << int(Command::Enroll) << "org.freedesktop.DBus.Error.NoReply"
            << "Message recipient disconnected from message bus without replying" << int(ExitCode::NoDaemon)
            << "the re6stnet daemon left the bus before answering (cannot enroll this node): it may have restarted "
               "or crashed (Message recipient disconnected from message bus without replying)";
        QTest::newRow("Disconnected") << int(Command::Status) << "org.freedesktop.DBus.Error.Disconnected" << ""
                                      << int(ExitCode::NoDaemon) << "not running";
        const QString polkit = QStringLiteral("polkit refused; run as root, authenticate with an agent, or ask an "
                                              "admin to add you to a group allowed by a polkit rule");
        // Audit M2: the daemon's reason and advice are kept, without ours on top.
        const auto refused = [](const char *row, Command command, const char *name, const char *message,
                                const QString &expected) {
            QTest::newRow(row) << int(command) << name << message << int(ExitCode::NotAuthorized) << expected;
        };
        const char *notAuthorized = "org.re6st.Error.NotAuthorized";
        refused("NotAuthorized", Command::Stop, notAuthorized,
                "Not authorized: polkit refuses org.re6st.node.start-stop to you. Ask an administrator to add a rule",
                "re6stctl: not allowed to stop the node: polkit refuses org.re6st.node.start-stop to you. Ask an "
                "administrator to add a rule");
        refused("NotAuthorized pending", Command::Start, notAuthorized,
                "Not authorized now: too many authorization requests pending (2 from this caller); retry later.",
                "not allowed to start the node: too many authorization requests pending (2 from this caller); "
                "retry later.");
        refused("NotAuthorized timeout", Command::Start, notAuthorized,
                "polkit did not answer about org.re6st.node.start-stop within 300 s",
                "not allowed to start the node: polkit did not answer about");
        refused("NotAuthorized empty", Command::Stop, notAuthorized, "", "not allowed to stop the node: " + polkit);
        refused("AccessDenied", Command::TunnelKill, "org.freedesktop.DBus.Error.AccessDenied", "",
                "not allowed to kill a tunnel: " + polkit);
        refused("AccessDenied detail", Command::TunnelKill, "org.freedesktop.DBus.Error.AccessDenied",
                "Rejected send message", "not allowed to kill a tunnel: Rejected send message; run as root");
        QTest::newRow("no password asked") << int(Command::Stop) << "org.re6st.Error.NotAuthorized"
                                           << "Not authorized: org.re6st.node.start-stop needs authentication, and "
                                              "the call did not allow polkit to ask for a password"
                                           << int(ExitCode::NotAuthorized)
                                           << "not allowed to stop the node without a password: polkit wants an "
                                              "administrator's password and --no-ask-password forbids asking";
        QTest::newRow("InteractiveAuthorizationRequired")
            << int(Command::Start) << "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired" << ""
            << int(ExitCode::NotAuthorized) << "not allowed to start the node without a password";
        QTest::newRow("polkit not running") << int(Command::Start) << "org.re6st.Error.NotAuthorized"
                                            << "polkit is not available (org.freedesktop.PolicyKit1 is not on the "
                                               "system bus); start polkit"
                                            << int(ExitCode::NotAuthorized)
                                            << "cannot start the node: the daemon refuses every action while polkit "
                                               "is not running: polkit is not available";
        QTest::newRow("NotEnrolled") << int(Command::Start) << "org.re6st.Error.NotEnrolled" << "no certificate"
                                     << int(ExitCode::NotEnrolled) << "run `re6stctl enroll URL`";
        QTest::newRow("InvalidArgument") << int(Command::NeighbourAdd) << "org.re6st.Error.InvalidArgument"
                                         << "prefix 1/99 is longer than the network allows"
                                         << int(ExitCode::Usage)
                                         << "the daemon rejected the argument: prefix 1/99 is longer than the network "
                                            "allows (see `re6stctl neighbour add --help`)";
        QTest::newRow("NotFound tunnel") << int(Command::TunnelKill) << "org.re6st.Error.NotFound" << "no tunnel re6stnet9"
                                         << failed << "no such tunnel: no tunnel re6stnet9; list them with `re6stctl tunnels`";
        QTest::newRow("NotFound neighbour") << int(Command::NeighbourDel) << "org.re6st.Error.NotFound" << ""
                                            << failed << "no such neighbour; list them with `re6stctl status`";
        QTest::newRow("Unavailable") << int(Command::Peers) << "org.re6st.Error.Unavailable" << ""
                                     << failed << "the daemon has no status yet: retry in a few seconds";
        QTest::newRow("BabelUnavailable") << int(Command::Routes) << "org.re6st.Error.BabelUnavailable"
                                          << "babeld's local interface is not answering" << failed
                                          << "babeld is not answering, the routing table is unknown: babeld's local";
        QTest::newRow("Failed") << int(Command::Reload) << "org.re6st.Error.Failed" << "the node is not running"
                                << failed << "could not reload the network configuration: the node is not running";
        QTest::newRow("RegistryUnreachable") << int(Command::Enroll) << "org.re6st.Error.RegistryUnreachable"
                                             << "connection refused" << failed
                                             << "the registry did not answer: connection refused; check the URL";
        // Audit F13: the daemon's message already names the registry and says what to check.
        QTest::newRow("RegistryUnreachable daemon")
            << int(Command::Enroll) << "org.re6st.Error.RegistryUnreachable"
            << "the registry http://127.0.0.1:1/ did not answer (cannot reach http://127.0.0.1:1/: Connection "
               "refused); check the URL and the network connection, then retry"
            << failed
            << "re6stctl: the registry http://127.0.0.1:1/ did not answer (cannot reach http://127.0.0.1:1/: "
               "Connection refused); check the URL and the network connection, then retry";
        QTest::newRow("RegistryUnreachable enrollment")
            << int(Command::Enroll) << "org.re6st.Error.RegistryUnreachable"
            << "Error: Connection refused (Check the --registry URL and the network connection.)" << failed
            << "re6stctl: the registry did not answer: Error: Connection refused (Check the --registry URL and the "
               "network connection.)";
        QTest::newRow("FingerprintMismatch") << int(Command::Enroll) << "org.re6st.Error.FingerprintMismatch" << ""
                                             << failed << "the registry's CA is not the one you confirmed";
        QTest::newRow("TokenRejected") << int(Command::Enroll) << "org.re6st.Error.TokenRejected" << "expired"
                                       << failed << "the registry refused the token: expired; check it, or ask for a new one";
        QTest::newRow("AlreadyEnrolled") << int(Command::Enroll) << "org.re6st.Error.AlreadyEnrolled" << ""
                                         << failed << "add --replace";
        // The daemon's list of the files in the way is shown.
        QTest::newRow("AlreadyEnrolled files")
            << int(Command::Enroll) << "org.re6st.Error.AlreadyEnrolled"
            << "this node already has /etc/re6stnet/cert.key, /etc/re6stnet/cert.crt; pass replace=true" << failed
            << "this node is already enrolled: this node already has /etc/re6stnet/cert.key, /etc/re6stnet/cert.crt;";
        // Busy is another enrollment or FetchCa over its cap: the daemon's words say which.
        QTest::newRow("Busy") << int(Command::Enroll) << "org.re6st.Error.Busy" << "" << failed
                              << "the daemon is busy: another enrollment or CA download is running; retry in a few";
        QTest::newRow("Busy enrolling") << int(Command::Enroll) << "org.re6st.Error.Busy"
                                        << "another enrollment is running; wait for it to finish, then retry" << failed
                                        << "the daemon is busy: another enrollment is running; wait for it to finish";
        QTest::newRow("Busy FetchCa") << int(Command::Enroll) << "org.re6st.Error.Busy"
                                      << "4 CA downloads are already running; retry in a few seconds" << failed
                                      << "re6stctl: the daemon is busy: 4 CA downloads are already running; retry in";
        QTest::newRow("UnknownMethod") << int(Command::Start) << "org.freedesktop.DBus.Error.UnknownMethod"
                                       << "No such method 'Start'" << failed
                                       << "the running re6stnet daemon cannot start the node (it is older";
        QTest::newRow("other") << int(Command::Stop) << "org.example.Weird" << "strange" << failed
                               << "could not stop the node: org.example.Weird: strange; see `journalctl -u re6stnet`";
    }
    void translate()
    {
        QFETCH(int, command);
        QFETCH(QString, name);
        QFETCH(QString, message);
        QFETCH(int, code);
        QFETCH(QString, expected);
        const auto f = ErrorTranslator::translate(Command(command), name, message);
        QCOMPARE(int(f.code), code);
        QVERIFY2(f.line.startsWith(QLatin1String("re6stctl: ")), qPrintable(f.line));
        QVERIFY2(f.line.contains(expected), qPrintable(f.line));
        QVERIFY2(!f.line.contains(u'\n'), qPrintable(f.line));
        // No advice twice (audit F13).
        for (const char *advice : {"check the URL", "run as root", "retry"})
            QVERIFY2(f.line.count(QLatin1String(advice), Qt::CaseInsensitive) <= 1, qPrintable(f.line));
    }

    // Every org.re6st.Error.* named in the contract has its own wording (not the
    // generic fallback), so a new error in the XML makes this test fail until mapped.
    void everyContractErrorIsMapped()
    {
        const QByteArray source = qgetenv("RE6ST_SOURCE_DIR");
        if (source.isEmpty())
            QSKIP("RE6ST_SOURCE_DIR not set (run through ctest)");
        QSet<QString> names;
        for (const char *file : {"/dbus/org.re6st.Node1.xml", "/dbus/org.re6st.Enrollment1.xml"}) {
            QFile f(QString::fromLocal8Bit(source) + QLatin1String(file));
            QVERIFY2(f.open(QIODevice::ReadOnly), qPrintable(f.fileName()));
            static const QRegularExpression re(QStringLiteral("org\\.re6st\\.Error\\.[A-Za-z]+"));
            for (auto it = re.globalMatch(QString::fromUtf8(f.readAll())); it.hasNext();)
                names.insert(it.next().captured());
        }
        QVERIFY(names.size() >= 8);
        for (const QString &name : std::as_const(names)) {
            const auto f = ErrorTranslator::translate(Command::Enroll, name, QStringLiteral("detail"));
            QVERIFY2(!f.line.contains(name), qPrintable(name + QStringLiteral(" falls back: ") + f.line));
        }
    }

    // What the daemon says is escaped: no terminal escapes (audit F5); its own line
    // breaks are kept (a certificate it could not save must be copyable).
    void daemonTextIsEscaped()
    {
        const auto f = ErrorTranslator::translate(Command::Enroll, QStringLiteral("org.re6st.Error.Failed"),
                                                  QStringLiteral("bad\r\n-----BEGIN CERTIFICATE-----\x1b[8m\u2028x"));
        QCOMPARE(f.line, QStringLiteral("re6stctl: could not enroll this node: bad\\x0d\n-----BEGIN CERTIFICATE-----"
                                        "\\x1b[8m\\u2028x"));
        const auto other = ErrorTranslator::translate(Command::Stop, QStringLiteral("org.example\x1b"), QStringLiteral("x"));
        QVERIFY2(other.line.contains(QStringLiteral("org.example\\x1b: x")), qPrintable(other.line));
    }

    // Audit F13: exactly the daemon's words when they already say what to check.
    void registryAdviceOnce()
    {
        const QString reason = QStringLiteral("Error: Connection refused (Check the --registry URL and the network "
                                              "connection.)");
        QCOMPARE(ErrorTranslator::translate(Command::Enroll, QStringLiteral("org.re6st.Error.RegistryUnreachable"),
                                            reason).line,
                 QStringLiteral("re6stctl: the registry did not answer: ") + reason);
        QCOMPARE(ErrorTranslator::translate(Command::Enroll, QStringLiteral("org.re6st.Error.RegistryUnreachable"),
                                            QString()).line,
                 QStringLiteral("re6stctl: the registry did not answer; check the URL and this machine's "
                                "connection, then retry"));
    }

    void noBus()
    {
        const auto f = ErrorTranslator::noBus(QStringLiteral("Failed to connect to socket /x: No such file or directory"),
                                              QStringLiteral("unix:path=/x"));
        QCOMPARE(f.code, ExitCode::NoDaemon);
        QCOMPARE(f.line, QStringLiteral("re6stctl: cannot connect to the system bus at unix:path=/x (Failed to "
                                        "connect to socket /x: No such file or directory): is dbus running? "
                                        "(`systemctl status dbus`; check $DBUS_SYSTEM_BUS_ADDRESS)"));
        QVERIFY(ErrorTranslator::noBus(QString(), QString()).line.startsWith(
            QLatin1String("re6stctl: cannot connect to the system bus: ")));
    }

    void usage()
    {
        const auto f = ErrorTranslator::usage(QStringLiteral("no command given"));
        QCOMPARE(f.code, ExitCode::Usage);
        QCOMPARE(f.line, QStringLiteral("re6stctl: no command given (see `re6stctl --help`)"));
    }
};

QTEST_GUILESS_MAIN(TestRe6stctlErrors)
#include "tst_re6stctlerrors.moc"
