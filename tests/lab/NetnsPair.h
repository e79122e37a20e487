// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
// Two private network namespaces joined by a veth pair, for the C++ lab tests: a
// "server" end at <net>.<subnet>.1/24 and a "client" end at <net>.<subnet>.2/24.
// Created by the constructor, deleted by the destructor (only what it created).
#include <QProcess>
#include <QStandardPaths>
#include <QString>
#include <QStringList>

#include <unistd.h>

namespace re6st::test {

class NetnsPair final
{
public:
    struct End
    {
        QString ns, veth, ip; // ip without its /24
    };

    // Namespaces "<nsPrefix>-<pid>-s|c", veths "<vethPrefix><pid>s|c" (≤ 15 bytes),
    // subnet = pid % 200 + 20: names and addresses unique to this test process.
    NetnsPair(const QString &nsPrefix, const QString &vethPrefix, const QString &net)
    {
        const QString tag = QString::number(::getpid());
        m_server = {nsPrefix + QStringLiteral("-%1-s").arg(tag), vethPrefix + tag + QLatin1Char('s'),
                    QStringLiteral("%1.%2.1").arg(net).arg(m_subnet)};
        m_client = {nsPrefix + QStringLiteral("-%1-c").arg(tag), vethPrefix + tag + QLatin1Char('c'),
                    QStringLiteral("%1.%2.2").arg(net).arg(m_subnet)};
        for (const End *end : {&m_server, &m_client}) {
            if (!step({QStringLiteral("netns"), QStringLiteral("add"), end->ns})) return;
            m_made << end->ns;
        }
        // Both veth ends are created inside the namespaces: no host interface is touched.
        if (!step({QStringLiteral("link"), QStringLiteral("add"), m_server.veth, QStringLiteral("netns"), m_server.ns,
                   QStringLiteral("type"), QStringLiteral("veth"), QStringLiteral("peer"), QStringLiteral("name"),
                   m_client.veth, QStringLiteral("netns"), m_client.ns}))
            return;
        for (const End *end : {&m_server, &m_client}) {
            const QStringList in{QStringLiteral("-n"), end->ns};
            if (!step(in + QStringList{QStringLiteral("addr"), QStringLiteral("add"), end->ip + QStringLiteral("/24"),
                                       QStringLiteral("dev"), end->veth})
                || !step(in + QStringList{QStringLiteral("link"), QStringLiteral("set"), end->veth, QStringLiteral("up")})
                || !step(in + QStringList{QStringLiteral("link"), QStringLiteral("set"), QStringLiteral("lo"),
                                          QStringLiteral("up")}))
                return;
        }
    }

    // Deleting a namespace deletes its veth end and taps; the peer end goes too.
    // Stop the processes running inside first.
    ~NetnsPair()
    {
        for (const QString &ns : std::as_const(m_made)) ip({QStringLiteral("netns"), QStringLiteral("delete"), ns});
    }

    Q_DISABLE_COPY_MOVE(NetnsPair)

    bool isValid() const { return m_error.isEmpty(); }
    QString error() const { return m_error; } // the failed `ip` command and its output
    const End &server() const { return m_server; }
    const End &client() const { return m_client; }
    int subnet() const { return m_subnet; }

    // Why an OpenVPN lab test cannot run here (empty if it can): it needs root,
    // for the namespaces, and openvpn.
    static QString openVpnLabMissing()
    {
        if (::geteuid() != 0) return QStringLiteral("needs root (network namespaces); run the lab tests as root");
        if (QStandardPaths::findExecutable(QStringLiteral("openvpn")).isEmpty()
            && QStandardPaths::findExecutable(QStringLiteral("openvpn"), {QStringLiteral("/usr/sbin")}).isEmpty())
            return QStringLiteral("openvpn not installed; apt-get install openvpn");
        return {};
    }

    // argv prefixed so that it runs inside end's namespace (`ip netns exec` execs it:
    // the PID is the program's own).
    static QStringList exec(const End &end, const QStringList &argv)
    {
        return QStringList{QStringLiteral("ip"), QStringLiteral("netns"), QStringLiteral("exec"), end.ns} + argv;
    }

    // Runs a helper command to its end (bounded): true on exit code 0.
    static bool run(const QStringList &argv, QString *output = nullptr)
    {
        QProcess p;
        p.setProcessChannelMode(QProcess::MergedChannels);
        p.start(argv.first(), argv.mid(1));
        if (!p.waitForFinished(20000)) {
            p.kill();
            p.waitForFinished(5000);
            return false;
        }
        if (output) *output = QString::fromUtf8(p.readAll());
        return p.exitStatus() == QProcess::NormalExit && p.exitCode() == 0;
    }
    static bool ip(const QStringList &args, QString *output = nullptr)
    {
        return run(QStringList{QStringLiteral("ip")} + args, output);
    }
    // `ip -n <end's namespace> args`
    static bool ip(const End &end, const QStringList &args, QString *output = nullptr)
    {
        return ip(QStringList{QStringLiteral("-n"), end.ns} + args, output);
    }

private:
    bool step(const QStringList &args)
    {
        QString output;
        if (ip(args, &output)) return true;
        m_error = QStringLiteral("ip %1: %2").arg(args.join(QLatin1Char(' ')), output.trimmed());
        return false;
    }

    const int m_subnet = int(::getpid() % 200) + 20;
    End m_server, m_client;
    QStringList m_made; // the namespaces this object added, deleted by the destructor
    QString m_error;
};

} // namespace re6st::test
