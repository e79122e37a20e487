// SPDX-License-Identifier: GPL-2.0-or-later
// re6stctl's command line (tools/re6stctl/CommandLine): commands, options, usage
// errors (exit 2), help texts.
#include "../../tools/re6stctl/CommandLine.h"

#include <QtTest>

using re6st::ctl::CommandLine;
using Command = CommandLine::Command;

class TestRe6stctlCommandLine final : public QObject
{
    Q_OBJECT

    static CommandLine parse(const QString &line)
    {
        return CommandLine::parse(line.isEmpty() ? QStringList() : line.split(u' '));
    }

private Q_SLOTS:
    void commands_data()
    {
        QTest::addColumn<QString>("line");
        QTest::addColumn<int>("command");
        QTest::addColumn<bool>("json");
        QTest::addColumn<QString>("argument");
        QTest::newRow("status") << "status" << int(Command::Status) << false << "";
        QTest::newRow("json before") << "--json status" << int(Command::Status) << true << "";
        QTest::newRow("json after") << "peers --json" << int(Command::Peers) << true << "";
        QTest::newRow("-j") << "-j tunnels" << int(Command::Tunnels) << true << "";
        QTest::newRow("routes") << "routes" << int(Command::Routes) << false << "";
        QTest::newRow("neighbours") << "neighbours" << int(Command::Neighbours) << false << "";
        QTest::newRow("neighbors") << "neighbors" << int(Command::Neighbours) << false << "";
        QTest::newRow("neighbour add") << "neighbour add 1/16" << int(Command::NeighbourAdd) << false << "1/16";
        QTest::newRow("neighbor add") << "neighbor add 12/16" << int(Command::NeighbourAdd) << false << "12/16";
        QTest::newRow("neighbour del") << "neighbour del 1/16" << int(Command::NeighbourDel) << false << "1/16";
        QTest::newRow("neighbour remove") << "neighbour remove 1/16" << int(Command::NeighbourDel) << false << "1/16";
        QTest::newRow("tunnel kill iface") << "tunnel kill re6stnet3" << int(Command::TunnelKill) << false << "re6stnet3";
        QTest::newRow("tunnel kill prefix") << "tunnel kill 7/16" << int(Command::TunnelKill) << false << "7/16";
        QTest::newRow("start") << "start" << int(Command::Start) << false << "";
        QTest::newRow("stop") << "stop" << int(Command::Stop) << false << "";
        QTest::newRow("reload") << "reload" << int(Command::Reload) << false << "";
        QTest::newRow("enroll") << "enroll http://re6st.example.com/" << int(Command::Enroll) << false
                                << "http://re6st.example.com/";
    }
    void commands()
    {
        QFETCH(QString, line);
        QFETCH(int, command);
        QFETCH(bool, json);
        QFETCH(QString, argument);
        const CommandLine cl = parse(line);
        QCOMPARE(cl.error, QString());
        QCOMPARE(int(cl.command), command);
        QCOMPARE(cl.json, json);
        QCOMPARE(cl.argument, argument);
        QVERIFY(!cl.help);
        QVERIFY(!cl.version);
    }

    void enrollOptions()
    {
        const QString fp = QStringLiteral("sha256:") + QString(64, u'A');
        const CommandLine cl = CommandLine::parse({QStringLiteral("enroll"), QStringLiteral("https://reg.example/"),
                                                   QStringLiteral("--email"), QStringLiteral("me@example.com"),
                                                   QStringLiteral("--token=abc"), QStringLiteral("--fingerprint"), fp,
                                                   QStringLiteral("--replace")});
        QCOMPARE(cl.error, QString());
        QCOMPARE(cl.command, Command::Enroll);
        QCOMPARE(cl.email, QStringLiteral("me@example.com"));
        QCOMPARE(cl.token, QStringLiteral("abc"));
        QCOMPARE(cl.fingerprint, QStringLiteral("sha256:") + QString(64, u'a')); // normalized
        QVERIFY(cl.replace);
        QVERIFY(!cl.anonymous);

        const CommandLine anon = parse(QStringLiteral("enroll http://reg/ --anonymous"));
        QCOMPARE(anon.error, QString());
        QVERIFY(anon.anonymous);
        QVERIFY(anon.askPassword);
    }

    // polkit may ask for a password unless --no-ask-password, before or after the command.
    void askPassword()
    {
        QVERIFY(parse(QStringLiteral("stop")).askPassword);
        for (const char *line : {"--no-ask-password stop", "tunnel kill 1/16 --no-ask-password",
                                 "enroll http://reg/ --anonymous --no-ask-password"}) {
            const CommandLine cl = parse(QLatin1String(line));
            QCOMPARE(cl.error, QString());
            QVERIFY2(!cl.askPassword, line);
        }
    }

    void fingerprints()
    {
        const QString hex = QStringLiteral("0123456789abcdef").repeated(4);
        QCOMPARE(CommandLine::normalizeFingerprint(QStringLiteral("sha256:") + hex), QStringLiteral("sha256:") + hex);
        QCOMPARE(CommandLine::normalizeFingerprint(hex.toUpper()), QStringLiteral("sha256:") + hex);
        QString colons;
        for (int i = 0; i < hex.size(); i += 2)
            colons += (i ? QStringLiteral(":") : QString()) + hex.mid(i, 2);
        QCOMPARE(CommandLine::normalizeFingerprint(QStringLiteral("SHA256:") + colons), QStringLiteral("sha256:") + hex);
        QCOMPARE(CommandLine::normalizeFingerprint(QStringLiteral("sha1:") + hex.left(40)), QString());
        QCOMPARE(CommandLine::normalizeFingerprint(hex.left(63)), QString());
        QCOMPARE(CommandLine::normalizeFingerprint(hex.left(63) + u'g'), QString());
    }

    void usageErrors_data()
    {
        QTest::addColumn<QString>("line");
        QTest::addColumn<QString>("expected"); // a part of the message
        QTest::newRow("nothing") << "" << "no command given";
        QTest::newRow("unknown command") << "frobnicate" << "unknown command `frobnicate`";
        QTest::newRow("unknown option") << "status --bogus" << "unknown option --bogus";
        QTest::newRow("extra argument") << "status now" << "unexpected argument `now`";
        QTest::newRow("neighbour alone") << "neighbour" << "`neighbour` needs `add PREFIX` or `del PREFIX`";
        QTest::newRow("neighbour bad sub") << "neighbour list" << "unknown `neighbour list`";
        QTest::newRow("neighbour no prefix") << "neighbour add" << "`neighbour add` needs PREFIX";
        QTest::newRow("neighbour bad prefix") << "neighbour add 2001:db8::/32" << "is not a prefix";
        QTest::newRow("tunnel alone") << "tunnel" << "`tunnel` needs `kill IFACE|PREFIX`";
        QTest::newRow("tunnel bad") << "tunnel kill a/b/c" << "neither an interface name";
        QTest::newRow("tunnel long iface") << "tunnel kill re6stnet12345678901" << "neither an interface name";
        QTest::newRow("enroll no url") << "enroll" << "`enroll` needs REGISTRY_URL";
        QTest::newRow("enroll bad url") << "enroll ftp://reg/" << "is not a registry URL";
        QTest::newRow("enroll no host") << "enroll http://" << "is not a registry URL";
        QTest::newRow("anonymous+token") << "enroll http://reg/ --anonymous --token x" << "--anonymous conflicts";
        QTest::newRow("anonymous+email") << "enroll http://reg/ --email a@b --anonymous" << "--anonymous conflicts";
        QTest::newRow("bad fingerprint") << "enroll http://reg/ --fingerprint sha1:00" << "is not sha256:HEX";
        QTest::newRow("bad email") << "enroll http://reg/ --email nobody" << "is not an email address";
        QTest::newRow("missing value") << "enroll http://reg/ --token" << "--token needs a value";
        QTest::newRow("flag with value") << "status --json=yes" << "--json takes no value";
        QTest::newRow("no-ask-password with value") << "stop --no-ask-password=1" << "--no-ask-password takes no value";
        QTest::newRow("enroll option elsewhere") << "start --replace" << "--replace is an option of `enroll` only";
    }
    void usageErrors()
    {
        QFETCH(QString, line);
        QFETCH(QString, expected);
        const CommandLine cl = parse(line);
        QVERIFY2(cl.error.contains(expected), qPrintable(cl.error));
    }

    void help()
    {
        CommandLine cl = parse(QStringLiteral("--help"));
        QVERIFY(cl.help);
        QCOMPARE(cl.command, Command::None);
        QCOMPARE(cl.error, QString());

        cl = parse(QStringLiteral("enroll --help"));
        QVERIFY(cl.help);
        QCOMPARE(cl.command, Command::Enroll);
        QCOMPARE(cl.error, QString()); // no URL needed for help

        cl = parse(QStringLiteral("help tunnel"));
        QVERIFY(cl.help);
        QCOMPARE(cl.command, Command::TunnelKill);

        cl = parse(QStringLiteral("neighbour -h"));
        QVERIFY(cl.help);
        QCOMPARE(cl.command, Command::NeighbourAdd);
        QVERIFY(CommandLine::commandHelp(cl.command).contains(QLatin1String("neighbour del PREFIX")));

        cl = parse(QStringLiteral("--version"));
        QVERIFY(cl.version);
    }

    void helpDocumentsExitCodes()
    {
        const QString help = CommandLine::helpText();
        for (const char *line : {"0  success", "1  the action failed", "2  usage error",
                                 "3  the daemon is not running", "4  not authorized",
                                 "5  the node is not enrolled"})
            QVERIFY2(help.contains(QLatin1String(line)), line);
        // Every command has its own help naming it.
        for (Command c : {Command::Status, Command::Peers, Command::Tunnels, Command::Routes,
                          Command::Neighbours, Command::NeighbourAdd, Command::NeighbourDel,
                          Command::TunnelKill, Command::Start, Command::Stop, Command::Reload,
                          Command::Enroll}) {
            const QString text = CommandLine::commandHelp(c);
            QVERIFY2(text.startsWith(QLatin1String("usage: re6stctl")), qPrintable(text));
            QVERIFY2(text.contains(CommandLine::commandName(c)), qPrintable(CommandLine::commandName(c)));
        }
    }

    void queries()
    {
        QVERIFY(CommandLine::isQuery(Command::Status));
        QVERIFY(CommandLine::isQuery(Command::Neighbours));
        QVERIFY(!CommandLine::isQuery(Command::NeighbourAdd));
        QVERIFY(!CommandLine::isQuery(Command::Enroll));
    }
};

QTEST_GUILESS_MAIN(TestRe6stctlCommandLine)
#include "tst_re6stctlcommandline.moc"
