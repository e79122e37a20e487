// SPDX-License-Identifier: GPL-2.0-or-later
#include "ErrorTranslator.h"
#include "ValueFormat.h"

#include <QRegularExpression>

namespace re6st::ctl {

namespace {

using Command = CommandLine::Command;

// What the daemon said (error names and messages) is escaped here, the one place every
// failure goes through: no terminal escapes. Its line breaks are kept (ValueFormat::lines):
// the daemon writes them itself, e.g. around a certificate it could not save, which the
// user must be able to copy as it is; the text it quotes from a registry or a CA comes
// on one line already (RegistryClient, NodeEnrollment).
QString line(const QString &text)
{
    return QStringLiteral("re6stctl: ") + ValueFormat::lines(text);
}

// "TEXT: DETAIL" when the daemon said something, else "TEXT".
QString withDetail(const QString &text, const QString &detail)
{
    const QString d = detail.trimmed();
    return d.isEmpty() ? text : text + QStringLiteral(": ") + d;
}

bool is(const QString &name, const char *expected)
{
    return name == QLatin1String(expected);
}

} // namespace

QString ErrorTranslator::describe(Command command)
{
    switch (command) {
    case Command::None: return QStringLiteral("talk to the daemon");
    case Command::Status: return QStringLiteral("read the node's status");
    case Command::Peers: return QStringLiteral("list the peers");
    case Command::Tunnels: return QStringLiteral("list the tunnels");
    case Command::Routes: return QStringLiteral("list the routes");
    case Command::Neighbours: return QStringLiteral("list babel's neighbours");
    case Command::NeighbourAdd: return QStringLiteral("add a neighbour");
    case Command::NeighbourDel: return QStringLiteral("remove a neighbour");
    case Command::TunnelKill: return QStringLiteral("kill a tunnel");
    case Command::Start: return QStringLiteral("start the node");
    case Command::Stop: return QStringLiteral("stop the node");
    case Command::Reload: return QStringLiteral("reload the network configuration");
    case Command::Enroll: return QStringLiteral("enroll this node");
    case Command::Doctor: return QStringLiteral("run the checks");
    }
    return QStringLiteral("do that");
}

ErrorTranslator::Failure ErrorTranslator::usage(const QString &message)
{
    return {ExitCode::Usage, line(message + QStringLiteral(" (see `re6stctl --help`)"))};
}

ErrorTranslator::Failure ErrorTranslator::noBus(const QString &busError, const QString &busAddress)
{
    QString where = busAddress.isEmpty() ? QStringLiteral("the system bus")
                                         : QStringLiteral("the system bus at %1").arg(busAddress);
    QString text = QStringLiteral("cannot connect to %1").arg(where);
    if (!busError.trimmed().isEmpty())
        text += QStringLiteral(" (%1)").arg(busError.trimmed());
    text += QStringLiteral(": is dbus running? (`systemctl status dbus`; check $DBUS_SYSTEM_BUS_ADDRESS)");
    return {ExitCode::NoDaemon, line(text)};
}

ErrorTranslator::Failure ErrorTranslator::translate(Command command, const QString &name,
                                                    const QString &message)
{
    const QString what = describe(command);

    // The daemon is not there or not answering.
    if (is(name, "org.freedesktop.DBus.Error.ServiceUnknown")
        || is(name, "org.freedesktop.DBus.Error.NameHasNoOwner")
        || is(name, "org.freedesktop.DBus.Error.Disconnected")
        || is(name, "org.freedesktop.DBus.Error.NoServer")) {
        return {ExitCode::NoDaemon,
                line(QStringLiteral("the re6stnet daemon is not running (nobody owns org.re6st.Node on "
                                    "the system bus): start it with `systemctl start re6stnet`"))};
    }
    if (is(name, "org.freedesktop.DBus.Error.NoReply") || is(name, "org.freedesktop.DBus.Error.Timeout")
        || is(name, "org.freedesktop.DBus.Error.TimedOut")) {
        // The bus also answers NoReply ("Message recipient disconnected from message bus
        // without replying") when the daemon exits mid-call: not slow, gone (audit L4).
        if (message.contains(QLatin1String("disconnected"), Qt::CaseInsensitive)) {
            return {ExitCode::NoDaemon,
                    line(QStringLiteral("the re6stnet daemon left the bus before answering (cannot %1): it may "
                                        "have restarted or crashed (%2); check it with `re6stctl status` and "
                                        "`journalctl -u re6stnet`, then retry").arg(what, message.trimmed()))};
        }
        return {ExitCode::NoDaemon,
                line(QStringLiteral("the re6stnet daemon did not answer in time (cannot %1): check it "
                                    "with `journalctl -u re6stnet` and retry").arg(what))};
    }

    // Authorization.
    if (is(name, "org.re6st.Error.NotAuthorized") || is(name, "org.freedesktop.DBus.Error.AccessDenied")
        || is(name, "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired")
        || is(name, "org.freedesktop.PolicyKit1.Error.NotAuthorized")) {
        // NotAuthorized also covers "polkit is not running" (the daemon then refuses
        // everything, root included): say so instead of suggesting to authenticate.
        const QString lower = message.toLower();
        if (lower.contains(QLatin1String("polkit"))
            && (lower.contains(QLatin1String("not available")) || lower.contains(QLatin1String("not running"))
                || lower.contains(QLatin1String("unavailable")))) {
            return {ExitCode::NotAuthorized,
                    line(QStringLiteral("cannot %1: the daemon refuses every action while polkit is not "
                                        "running: %2").arg(what, message.trimmed()))};
        }
        if (is(name, "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired")
            || lower.contains(QLatin1String("did not allow polkit to ask"))) {
            return {ExitCode::NotAuthorized,
                    line(QStringLiteral("not allowed to %1 without a password: polkit wants an administrator's "
                                        "password and --no-ask-password forbids asking; run without it, as "
                                        "root, or ask an admin to add you to a group allowed by a polkit rule")
                             .arg(what))};
        }
        // The daemon says why (a dismissed dialog, a timeout, too many pending checks, no
        // agent...) and what to do (daemon/PolkitAuthorizer): its words, not ours (audit M2).
        static const QRegularExpression notAuthorized(QStringLiteral("^not authorized( now)?:\\s*"),
                                                      QRegularExpression::CaseInsensitiveOption);
        QString detail = message.trimmed();
        detail.remove(notAuthorized);
        if (is(name, "org.re6st.Error.NotAuthorized") && !detail.isEmpty())
            return {ExitCode::NotAuthorized, line(QStringLiteral("not allowed to %1: %2").arg(what, detail))};
        return {ExitCode::NotAuthorized,
                line(QStringLiteral("not allowed to %1: %2; run as root, authenticate with an agent, or ask an "
                                    "admin to add you to a group allowed by a polkit rule")
                         .arg(what, detail.isEmpty() ? QStringLiteral("polkit refused") : detail))};
    }

    if (is(name, "org.re6st.Error.NotEnrolled")) {
        return {ExitCode::NotEnrolled,
                line(QStringLiteral("this node is not enrolled yet (no certificate): run "
                                    "`re6stctl enroll URL` with your registry's URL first"))};
    }

    if (is(name, "org.re6st.Error.InvalidArgument")) {
        return {ExitCode::Usage,
                line(withDetail(QStringLiteral("the daemon rejected the argument"), message)
                     + QStringLiteral(" (see `re6stctl %1 --help`)").arg(CommandLine::commandName(command)))};
    }
    if (is(name, "org.re6st.Error.NotFound")) {
        const QString advice = command == Command::TunnelKill
            ? QStringLiteral("; list them with `re6stctl tunnels`")
            : QStringLiteral("; list them with `re6stctl status`");
        const QString thing = command == Command::TunnelKill ? QStringLiteral("no such tunnel")
                                                             : QStringLiteral("no such neighbour");
        return {ExitCode::Failed, line(withDetail(thing, message) + advice)};
    }
    if (is(name, "org.re6st.Error.Unavailable")) {
        return {ExitCode::Failed,
                line(withDetail(QStringLiteral("the daemon has no status yet"),
                                message.isEmpty() ? QStringLiteral("retry in a few seconds") : message))};
    }
    if (is(name, "org.re6st.Error.BabelUnavailable")) {
        return {ExitCode::Failed,
                line(withDetail(QStringLiteral("babeld is not answering, the routing table is unknown"),
                                message.isEmpty() ? QStringLiteral("check `journalctl -u re6stnet` and retry")
                                                  : message))};
    }
    if (is(name, "org.re6st.Error.RegistryUnreachable")) {
        // The daemon names the registry and already says what to check: advice once (audit F13).
        const QString detail = message.trimmed();
        if (detail.contains(QLatin1String("check "), Qt::CaseInsensitive)) {
            return {ExitCode::Failed,
                    line(detail.contains(QLatin1String("did not answer"))
                             ? detail
                             : withDetail(QStringLiteral("the registry did not answer"), detail))};
        }
        return {ExitCode::Failed,
                line(withDetail(QStringLiteral("the registry did not answer"), detail)
                     + QStringLiteral("; check the URL and this machine's connection, then retry"))};
    }
    if (is(name, "org.re6st.Error.FingerprintMismatch")) {
        return {ExitCode::Failed,
                line(withDetail(QStringLiteral("the registry's CA is not the one you confirmed"), message)
                     + QStringLiteral("; check the URL with the network's admin before trying again"))};
    }
    if (is(name, "org.re6st.Error.TokenRejected")) {
        return {ExitCode::Failed,
                line(withDetail(QStringLiteral("the registry refused the token"), message)
                     + QStringLiteral("; check it, or ask for a new one with `re6stctl enroll URL --email ADDR`"))};
    }
    if (is(name, "org.re6st.Error.AlreadyEnrolled")) {
        // The daemon names the files it found and says what --replace does with them.
        if (!message.trimmed().isEmpty())
            return {ExitCode::Failed, line(withDetail(QStringLiteral("this node is already enrolled"), message))};
        return {ExitCode::Failed,
                line(QStringLiteral("this node already has a certificate: back up cert.key, then add "
                                    "--replace to enroll again"))};
    }
    if (is(name, "org.re6st.Error.Busy")) {
        // Another enrollment, or the cap on CA downloads (FetchCa): the daemon says which.
        return {ExitCode::Failed,
                line(withDetail(QStringLiteral("the daemon is busy"),
                                message.isEmpty() ? QStringLiteral("another enrollment or CA download is running; "
                                                                   "retry in a few seconds")
                                                  : message))};
    }
    if (is(name, "org.re6st.Error.Failed")) {
        return {ExitCode::Failed,
                line(withDetail(QStringLiteral("could not %1").arg(what),
                                message.isEmpty() ? QStringLiteral("see `journalctl -u re6stnet`") : message))};
    }
    if (is(name, "org.freedesktop.DBus.Error.UnknownMethod")
        || is(name, "org.freedesktop.DBus.Error.UnknownInterface")
        || is(name, "org.freedesktop.DBus.Error.UnknownObject")) {
        return {ExitCode::Failed,
                line(QStringLiteral("the running re6stnet daemon cannot %1 (it is older than this "
                                    "re6stctl: %2): upgrade re6st-qt and restart re6stnet")
                         .arg(what, message.trimmed().isEmpty() ? name : message.trimmed()))};
    }
    // Anything else: say what came back.
    return {ExitCode::Failed,
            line(QStringLiteral("could not %1: %2%3; see `journalctl -u re6stnet`")
                     .arg(what, name.isEmpty() ? QString() : name + QStringLiteral(": "),
                          message.trimmed().isEmpty() ? QStringLiteral("no detail") : message.trimmed()))};
}

} // namespace re6st::ctl
