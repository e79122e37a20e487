// SPDX-License-Identifier: GPL-2.0-or-later
// SystemNetwork (node-protocol.md §2.4/§2.6): changes applied in order, undone in
// reverse order, failures reported with the command's output; a fake `ip` records calls.
#include "daemon/SystemNetwork.h"

#include <QFile>
#include <QTemporaryDir>
#include <QtTest>

using re6st::daemon::SystemNetwork;

class tst_SystemNetwork final : public QObject
{
    Q_OBJECT

    QTemporaryDir m_dir;
    QString m_log;

    // A fake `ip`: appends its arguments to the log; fails (with a message) for "fail".
    QStringList fakeIp()
    {
        const QString script = m_dir.filePath(QStringLiteral("ip"));
        QFile f(script);
        if (!f.open(QIODevice::WriteOnly)) return {};
        f.write("#!/bin/sh\necho \"$*\" >>\"$0.log\"\n"
                "case \"$*\" in *fail*) echo \"RTNETLINK answers: File exists\" >&2; exit 2;; esac\n");
        f.close();
        f.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        m_log = script + QStringLiteral(".log");
        QFile::remove(m_log);
        return {script};
    }
    QStringList calls() const
    {
        QFile f(m_log);
        if (!f.open(QIODevice::ReadOnly)) return {};
        return QString::fromUtf8(f.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    }

private Q_SLOTS:
    void undoInReverseOrder()
    {
        SystemNetwork net;
        net.setCommand(fakeIp());
        QVERIFY(net.change({"-6", "addr", "replace", "2001:db8:42:1::1/64", "dev", "lo"},
                           {"-6", "addr", "del", "2001:db8:42:1::1/64", "dev", "lo"}));
        QVERIFY(net.change({"-6", "route", "replace", "unreachable", "2001:db8:42::/48"},
                           {"-6", "route", "del", "unreachable", "2001:db8:42::/48"}));
        QCOMPARE(net.pendingUndos(), 2);
        net.undoAll();
        QCOMPARE(net.pendingUndos(), 0);
        QCOMPARE(calls(), (QStringList{"-6 addr replace 2001:db8:42:1::1/64 dev lo",
                                       "-6 route replace unreachable 2001:db8:42::/48",
                                       "-6 route del unreachable 2001:db8:42::/48",
                                       "-6 addr del 2001:db8:42:1::1/64 dev lo"}));
        net.undoAll(); // nothing left: no call
        QCOMPARE(calls().size(), 4);
    }

    void failureIsReportedAndNotUndone()
    {
        SystemNetwork net;
        net.setCommand(fakeIp());
        QString error;
        QVERIFY(!net.change({"-6", "route", "add", "fail"}, {"-6", "route", "del", "fail"}, &error));
        QVERIFY2(error.contains(QLatin1String("RTNETLINK answers: File exists")), qPrintable(error));
        QVERIFY2(error.contains(QLatin1String("route add fail")), qPrintable(error));
        QCOMPARE(net.pendingUndos(), 0);
    }

    void destructorUndoes()
    {
        {
            SystemNetwork net;
            net.setCommand(fakeIp());
            QVERIFY(net.change({"-6", "addr", "replace", "x"}, {"-6", "addr", "del", "x"}));
        }
        QCOMPARE(calls().last(), QStringLiteral("-6 addr del x"));
    }

    void subtreesCheckCleansUp()
    {
        SystemNetwork net;
        net.setCommand(fakeIp());
        QVERIFY(net.hasIpv6Subtrees());
        QCOMPARE(calls(), (QStringList{"-6 route add unreachable ::/128 from ::/128",
                                       "-6 route del unreachable ::/128 from ::/128"}));
    }

    void missingProgram()
    {
        SystemNetwork net;
        net.setCommand({m_dir.filePath(QStringLiteral("no-such-ip"))});
        QString error;
        QVERIFY(!net.run({"-6", "route"}, &error));
        QVERIFY(!error.isEmpty());
    }
};

QTEST_GUILESS_MAIN(tst_SystemNetwork)
#include "tst_systemnetwork.moc"
