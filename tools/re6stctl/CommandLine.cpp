// SPDX-License-Identifier: GPL-2.0-or-later
#include "CommandLine.h"

#include <QRegularExpression>
#include <QUrl>

namespace re6st::ctl {

namespace {

using Command = CommandLine::Command;

struct Word
{
    const char *name;
    Command command;
};

// Single-word commands (and their accepted spellings).
constexpr Word kWords[] = {
    {"status", Command::Status},         {"peers", Command::Peers},
    {"tunnels", Command::Tunnels},       {"routes", Command::Routes},
    {"neighbours", Command::Neighbours}, {"neighbors", Command::Neighbours},
    {"start", Command::Start},           {"stop", Command::Stop},
    {"reload", Command::Reload},         {"enroll", Command::Enroll},
    {"doctor", Command::Doctor},
};

bool isPrefix(const QString &text)
{
    static const QRegularExpression re(QStringLiteral("^[0-9]{1,39}/[0-9]{1,3}$"));
    return re.match(text).hasMatch();
}

bool isInterfaceName(const QString &text)
{
    // Linux interface names: at most 15 bytes, no '/', no whitespace.
    static const QRegularExpression re(QStringLiteral("^[A-Za-z0-9._-]{1,15}$"));
    return re.match(text).hasMatch();
}

} // namespace

QString CommandLine::commandName(Command command)
{
    switch (command) {
    case Command::None: return {};
    case Command::Status: return QStringLiteral("status");
    case Command::Peers: return QStringLiteral("peers");
    case Command::Tunnels: return QStringLiteral("tunnels");
    case Command::Routes: return QStringLiteral("routes");
    case Command::Neighbours: return QStringLiteral("neighbours");
    case Command::NeighbourAdd: return QStringLiteral("neighbour add");
    case Command::NeighbourDel: return QStringLiteral("neighbour del");
    case Command::TunnelKill: return QStringLiteral("tunnel kill");
    case Command::Start: return QStringLiteral("start");
    case Command::Stop: return QStringLiteral("stop");
    case Command::Reload: return QStringLiteral("reload");
    case Command::Enroll: return QStringLiteral("enroll");
    case Command::Doctor: return QStringLiteral("doctor");
    }
    return {};
}

bool CommandLine::isQuery(Command command)
{
    return command == Command::Status || command == Command::Peers || command == Command::Tunnels
        || command == Command::Routes || command == Command::Neighbours;
}

QString CommandLine::usage()
{
    return QStringLiteral(
        "usage: re6stctl [--json] status|peers|tunnels|routes|neighbours\n"
        "       re6stctl [--no-ask-password] neighbour add|del PREFIX\n"
        "       re6stctl [--no-ask-password] tunnel kill IFACE|PREFIX\n"
        "       re6stctl [--no-ask-password] start|stop|reload\n"
        "       re6stctl [--no-ask-password] enroll REGISTRY_URL [--email ADDR] [--token TOKEN]\n"
        "                [--anonymous] [--fingerprint sha256:HEX] [--replace]\n"
        "       re6stctl [--json] doctor [--local] [--config FILE]\n"
        "       re6stctl --help | --version | COMMAND --help\n");
}

QString CommandLine::helpText()
{
    return usage() + QStringLiteral(
        "\n"
        "Control the re6stnet node daemon over D-Bus (system bus, org.re6st.Node).\n"
        "\n"
        "Queries (open to everyone; --json prints one JSON document):\n"
        "  status            our address, state, registry, certificate, then one line per peer\n"
        "  peers             peers known to the daemon\n"
        "  tunnels           OpenVPN tunnels up\n"
        "  routes            babeld's routes\n"
        "  neighbours        babeld's neighbours (rtt, cost)\n"
        "Actions (authorized by polkit; may ask for a password):\n"
        "  neighbour add|del PREFIX   keep (or stop keeping) a direct tunnel to PREFIX (\"1/16\")\n"
        "  tunnel kill IFACE|PREFIX   close one tunnel (\"re6stnet3\" or \"1/16\")\n"
        "  start, stop                start or stop the node (tunnels and routing)\n"
        "  reload                     fetch the network configuration from the registry now\n"
        "  enroll REGISTRY_URL        join a network: check the registry's CA, get a token\n"
        "                             by mail, then a certificate (see `re6stctl enroll --help`)\n"
        "Diagnosis (open to everyone):\n"
        "  doctor            check the host for what re6st needs (source routing, forwarding,\n"
        "                    accept_ra, NetworkManager, firewall, openvpn, babeld, certificate,\n"
        "                    registry), each problem with its fix (see `re6stctl doctor --help`)\n"
        "\n"
        "Options:\n"
        "  --json            machine-readable output (queries; enroll prints its result)\n"
        "  --no-ask-password do not let polkit ask for a password: an action the caller is\n"
        "                    not already allowed is refused (exit 4). Without it, an action\n"
        "                    run on a terminal asks there (pkttyagent) when no desktop agent does\n"
        "  -h, --help        this help; `re6stctl COMMAND --help` for one command\n"
        "  -V, --version     print re6stctl's version\n"
        "\n"
        "Exit status:\n"
        "  0  success\n"
        "  1  the action failed (the daemon answered an error)\n"
        "  2  usage error (bad command line, or the daemon rejected an argument)\n"
        "  3  the daemon is not running or not answering, or there is no system bus\n"
        "  4  not authorized (polkit refused the action)\n"
        "  5  the node is not enrolled yet (run `re6stctl enroll URL`)\n"
        "  doctor: 0 when no check found a problem (warnings and skipped checks included),\n"
        "          1 when at least one did\n"
        "\n"
        "The bus is $DBUS_SYSTEM_BUS_ADDRESS when set, else the system bus.\n");
}

QString CommandLine::commandHelp(Command command)
{
    switch (command) {
    case Command::None:
        return helpText();
    case Command::Status:
        return QStringLiteral(
            "usage: re6stctl [--json] status\n\n"
            "Our address, state, prefix, subnet and network, the registry and whether it\n"
            "answers, the certificate's expiry and next renewal; then one line per peer:\n"
            "prefix, address, rtt, how it is reached (\"direct (IFACE, client|server PROTO)\"\n"
            "through a tunnel, \"via NEXT_HOP on IFACE\" from babeld's routes, \"-\" unknown)\n"
            "and country. --json: {\"properties\": {...}, \"peers\": [...]}.\n");
    case Command::Peers:
        return QStringLiteral(
            "usage: re6stctl [--json] peers\n\n"
            "Peers known to the daemon, sorted by prefix: prefix, address, country,\n"
            "protocol, last seen, whether a tunnel to it is up.\n");
    case Command::Tunnels:
        return QStringLiteral(
            "usage: re6stctl [--json] tunnels\n\n"
            "OpenVPN tunnels up, sorted by peer prefix: interface, peer, protocol,\n"
            "direction (client: we connected; server: it connected to us), since, bytes.\n");
    case Command::Routes:
        return QStringLiteral(
            "usage: re6stctl [--json] routes\n\n"
            "babeld's routes: destination, source, next hop, interface, metric, installed.\n");
    case Command::Neighbours:
        return QStringLiteral(
            "usage: re6stctl [--json] neighbours\n\n"
            "babeld's neighbours: link-local address, interface, rtt, cost, reachability.\n"
            "(The prefixes kept as direct neighbours are in `re6stctl status`.)\n");
    case Command::NeighbourAdd:
    case Command::NeighbourDel:
        return QStringLiteral(
            "usage: re6stctl neighbour add PREFIX\n"
            "       re6stctl neighbour del PREFIX\n\n"
            "Keep (add) or stop keeping (del) a direct tunnel to the peer PREFIX, in\n"
            "certificate CN form (\"1/16\"), like re6stnet's --neighbour, until the daemon\n"
            "restarts (add `neighbour PREFIX` to re6stnet.conf to keep it).\n"
            "polkit action: org.re6st.node.configure.\n");
    case Command::TunnelKill:
        return QStringLiteral(
            "usage: re6stctl tunnel kill IFACE|PREFIX\n\n"
            "Close one tunnel, named by its interface (\"re6stnet3\") or its peer's prefix\n"
            "(\"1/16\"); the daemon may open another one later.\n"
            "polkit action: org.re6st.node.manage-tunnels.\n");
    case Command::Start:
    case Command::Stop:
        return QStringLiteral(
            "usage: re6stctl start\n"
            "       re6stctl stop\n\n"
            "Start the node (tunnels and routing), or stop it (the daemon stays up, with\n"
            "state \"stopped\"). polkit action: org.re6st.node.start-stop.\n");
    case Command::Reload:
        return QStringLiteral(
            "usage: re6stctl reload\n\n"
            "Fetch the network configuration from the registry now.\n"
            "polkit action: org.re6st.node.configure.\n");
    case Command::Enroll:
        return QStringLiteral(
            "usage: re6stctl enroll REGISTRY_URL [--email ADDR] [--token TOKEN] [--anonymous]\n"
            "                [--fingerprint sha256:HEX] [--replace]\n\n"
            "Join the re6st network of REGISTRY_URL (e.g. http://re6st.example.com/):\n"
            "  1. fetch the registry's CA and show its fingerprint: confirm it (skipped when\n"
            "     --fingerprint matches);\n"
            "  2. unless --token or --anonymous: the registry mails a token to ADDR (asked\n"
            "     when --email is missing); type it at the prompt;\n"
            "  3. the daemon creates the key, gets the certificate, writes its files in\n"
            "     /etc/re6stnet and starts the node.\n"
            "Options:\n"
            "  --email ADDR               where the registry mails the token\n"
            "  --token TOKEN              a token already received\n"
            "  --anonymous                no token (only where the registry allows it)\n"
            "  --fingerprint sha256:HEX   the CA fingerprint you expect (no question asked)\n"
            "  --replace                  replace an existing certificate\n"
            "Answers are read from standard input. polkit action: org.re6st.enroll.\n");
    case Command::Doctor:
        return QStringLiteral(
            "usage: re6stctl [--json] doctor [--local] [--config FILE]\n\n"
            "Check what re6st needs from this host and say how to fix what is wrong:\n"
            "  source-routing   the kernel installs source-specific routes (IPv6 subtrees)\n"
            "  ipv6-forwarding  IPv6 forwarding is on while the node runs\n"
            "  accept-ra        accept_ra = 2 where SLAAC must keep working while forwarding\n"
            "  networkmanager   no NetworkManager connection fights re6st's routes\n"
            "  babel-port       the firewall accepts UDP 6696 from fe80::/10 on Babel interfaces\n"
            "  openvpn-ports    the firewall accepts the OpenVPN server ports (--pp)\n"
            "  openvpn          openvpn 2.5 or later is installed (2.6 recommended)\n"
            "  babeld           babeld 1.12 or later is installed\n"
            "  certificate      the node certificate exists and is not expired (or expiring)\n"
            "  registry         the registry answers\n"
            "Each check is ok, warning, problem or skipped (with the reason). Firewall rules\n"
            "are read from `nft -j list ruleset` and ip6tables-save/iptables-save.\n"
            "The running daemon runs the checks (org.re6st.Doctor1, with its own options);\n"
            "with --local, or when no daemon answers (doctor never starts one), re6stctl\n"
            "runs them itself from the node's configuration file; what needs root is\n"
            "skipped when not root.\n"
            "Options:\n"
            "  --local          run the checks here, without asking the daemon\n"
            "  --config FILE    re6stnet's configuration (default /etc/re6stnet/re6stnet.conf)\n"
            "  --json           {\"source\": \"daemon\"|\"local\", \"problems\": N, \"findings\":\n"
            "                   [{\"check\", \"status\", \"summary\", \"detail\", \"fix\"}, ...]}\n"
            "Exit status: 0 no problem (warnings allowed), 1 a problem was found.\n");
    }
    return helpText();
}

CommandLine CommandLine::parse(const QStringList &arguments)
{
    CommandLine cl;
    QStringList words;
    bool enrollOptionSeen = false;
    QString enrollOptionName;
    QString doctorOptionName;
    auto fail = [&cl](const QString &message) {
        if (cl.error.isEmpty())
            cl.error = message;
    };

    bool optionsEnded = false;
    for (int i = 0; i < arguments.size(); ++i) {
        const QString &arg = arguments.at(i);
        if (optionsEnded || !arg.startsWith(u'-') || arg == QLatin1String("-")) {
            words.append(arg);
            continue;
        }
        if (arg == QLatin1String("--")) {
            optionsEnded = true;
            continue;
        }
        QString name = arg;
        QString value;
        bool hasValue = false;
        if (arg.startsWith(QLatin1String("--"))) {
            const qsizetype eq = arg.indexOf(u'=');
            if (eq > 0) {
                name = arg.left(eq);
                value = arg.mid(eq + 1);
                hasValue = true;
            }
        }
        auto flag = [&](bool &target) {
            if (hasValue)
                fail(QStringLiteral("%1 takes no value").arg(name));
            target = true;
        };
        auto valued = [&](QString &target) {
            if (!hasValue) {
                if (i + 1 >= arguments.size()) {
                    fail(QStringLiteral("%1 needs a value").arg(name));
                    return;
                }
                value = arguments.at(++i);
            }
            target = value;
        };
        if (name == QLatin1String("--json") || name == QLatin1String("-j")) {
            flag(cl.json);
        } else if (name == QLatin1String("--help") || name == QLatin1String("-h")) {
            flag(cl.help);
        } else if (name == QLatin1String("--version") || name == QLatin1String("-V")) {
            flag(cl.version);
        } else if (name == QLatin1String("--no-ask-password")) {
            bool noAsk = false;
            flag(noAsk);
            cl.askPassword = !noAsk;
        } else if (name == QLatin1String("--email")) {
            valued(cl.email);
            enrollOptionSeen = true;
            enrollOptionName = name;
        } else if (name == QLatin1String("--token")) {
            valued(cl.token);
            enrollOptionSeen = true;
            enrollOptionName = name;
        } else if (name == QLatin1String("--fingerprint")) {
            valued(cl.fingerprint);
            enrollOptionSeen = true;
            enrollOptionName = name;
        } else if (name == QLatin1String("--anonymous")) {
            flag(cl.anonymous);
            enrollOptionSeen = true;
            enrollOptionName = name;
        } else if (name == QLatin1String("--replace")) {
            flag(cl.replace);
            enrollOptionSeen = true;
            enrollOptionName = name;
        } else if (name == QLatin1String("--local")) {
            flag(cl.local);
            doctorOptionName = name;
        } else if (name == QLatin1String("--config")) {
            valued(cl.config);
            doctorOptionName = name;
        } else {
            fail(QStringLiteral("unknown option %1").arg(name));
        }
    }

    // `re6stctl help [COMMAND...]` is `re6stctl [COMMAND...] --help`.
    if (!words.isEmpty() && words.first() == QLatin1String("help")) {
        words.removeFirst();
        cl.help = true;
    }

    if (!words.isEmpty()) {
        const QString first = words.takeFirst();
        bool known = false;
        for (const Word &w : kWords) {
            if (first == QLatin1String(w.name)) {
                cl.command = w.command;
                known = true;
                break;
            }
        }
        if (!known && (first == QLatin1String("neighbour") || first == QLatin1String("neighbor"))) {
            known = true;
            const QString sub = words.isEmpty() ? QString() : words.takeFirst();
            if (sub == QLatin1String("add"))
                cl.command = Command::NeighbourAdd;
            else if (sub == QLatin1String("del") || sub == QLatin1String("delete")
                     || sub == QLatin1String("remove") || sub == QLatin1String("rm"))
                cl.command = Command::NeighbourDel;
            else if (!cl.help)
                fail(sub.isEmpty() ? QStringLiteral("`neighbour` needs `add PREFIX` or `del PREFIX`")
                                   : QStringLiteral("unknown `neighbour %1`: use `add` or `del`").arg(sub));
            else
                cl.command = Command::NeighbourAdd; // help for the neighbour commands
        }
        if (!known && first == QLatin1String("tunnel")) {
            known = true;
            const QString sub = words.isEmpty() ? QString() : words.takeFirst();
            if (sub == QLatin1String("kill") || cl.help)
                cl.command = Command::TunnelKill;
            else
                fail(sub.isEmpty() ? QStringLiteral("`tunnel` needs `kill IFACE|PREFIX`")
                                   : QStringLiteral("unknown `tunnel %1`: use `kill`").arg(sub));
        }
        if (!known)
            fail(QStringLiteral("unknown command `%1`").arg(first));
    }

    if (cl.help || cl.version)
        return cl; // nothing else matters (but a usage error found above is kept)

    if (!cl.error.isEmpty())
        return cl;
    if (cl.command == Command::None) {
        fail(QStringLiteral("no command given"));
        return cl;
    }

    const bool takesArgument = cl.command == Command::NeighbourAdd || cl.command == Command::NeighbourDel
        || cl.command == Command::TunnelKill || cl.command == Command::Enroll;
    if (takesArgument) {
        if (words.isEmpty()) {
            const char *what = cl.command == Command::TunnelKill ? "IFACE|PREFIX"
                : cl.command == Command::Enroll                  ? "REGISTRY_URL"
                                                                 : "PREFIX";
            fail(QStringLiteral("`%1` needs %2").arg(commandName(cl.command), QLatin1String(what)));
            return cl;
        }
        cl.argument = words.takeFirst();
    }
    if (!words.isEmpty()) {
        fail(QStringLiteral("unexpected argument `%1` for `%2`").arg(words.first(), commandName(cl.command)));
        return cl;
    }

    if (enrollOptionSeen && cl.command != Command::Enroll) {
        fail(QStringLiteral("%1 is an option of `enroll` only").arg(enrollOptionName));
        return cl;
    }
    if (!doctorOptionName.isEmpty() && cl.command != Command::Doctor) {
        fail(QStringLiteral("%1 is an option of `doctor` only").arg(doctorOptionName));
        return cl;
    }

    switch (cl.command) {
    case Command::NeighbourAdd:
    case Command::NeighbourDel:
        if (!isPrefix(cl.argument))
            fail(QStringLiteral("`%1` is not a prefix: give it in certificate CN form, like 1/16")
                     .arg(cl.argument));
        break;
    case Command::TunnelKill:
        if (!isPrefix(cl.argument) && !isInterfaceName(cl.argument))
            fail(QStringLiteral("`%1` is neither an interface name (re6stnet3) nor a prefix (1/16)")
                     .arg(cl.argument));
        break;
    case Command::Enroll: {
        const QUrl url(cl.argument, QUrl::StrictMode);
        if (!url.isValid() || (url.scheme() != QLatin1String("http") && url.scheme() != QLatin1String("https"))
            || url.host().isEmpty()) {
            fail(QStringLiteral("`%1` is not a registry URL: give it as http://HOST/ or https://HOST/")
                     .arg(cl.argument));
            break;
        }
        if (cl.anonymous && (!cl.email.isEmpty() || !cl.token.isEmpty())) {
            fail(QStringLiteral("--anonymous conflicts with --email and --token"));
            break;
        }
        if (!cl.fingerprint.isEmpty()) {
            const QString normalized = normalizeFingerprint(cl.fingerprint);
            if (normalized.isEmpty())
                fail(QStringLiteral("--fingerprint `%1` is not sha256:HEX (64 hex digits, as "
                                    "`re6stctl enroll` shows it)").arg(cl.fingerprint));
            else
                cl.fingerprint = normalized;
        }
        if (!cl.email.isEmpty() && !cl.email.contains(u'@'))
            fail(QStringLiteral("--email `%1` is not an email address").arg(cl.email));
        break;
    }
    default:
        break;
    }
    return cl;
}

QString CommandLine::normalizeFingerprint(const QString &text)
{
    QString hex = text.trimmed();
    if (hex.startsWith(QLatin1String("sha256:"), Qt::CaseInsensitive))
        hex = hex.mid(7);
    hex.remove(u':');
    hex = hex.toLower();
    static const QRegularExpression re(QStringLiteral("^[0-9a-f]{64}$"));
    if (!re.match(hex).hasMatch())
        return {};
    return QStringLiteral("sha256:") + hex;
}

} // namespace re6st::ctl
