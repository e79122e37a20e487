// SPDX-License-Identifier: GPL-2.0-or-later
#include "registry/RegistryOptions.h"

#include "core/ArgParser.h"
#include "core/IpLiteral.h"
#include "core/LoopbackEndpoint.h"
#include "registry/Mailer.h"

#include <QHostAddress>
#include <arpa/inet.h>
#include <functional>
#include <utility>

namespace re6st::registry {
namespace {

constexpr int kProtocol = 10;   // version.protocol, registry-protocol.md §1
constexpr int kMinProtocol = 1; // version.min_protocol

struct OptionSpec
{
    const char *shortName; // "-4" or nullptr
    const char *longName;  // "--port" or nullptr
    int nargs;             // 0, 1 or 2
    const char *metavar;
    const char *help;
};

// Order = --help order. Keep in sync with apply() below.
const OptionSpec kOptions[] = {
    {nullptr, "--port", 1, "PORT", "Port on which the server will listen (default 80)."},
    {"-4", nullptr, 1, "IP", "Bind IPv4 address (default 0.0.0.0; empty string disables IPv4)."},
    {"-6", nullptr, 1, "IP", "Bind IPv6 address, IPV6_V6ONLY (default ::; empty string disables IPv6)."},
    {nullptr, "--db", 1, "PATH", "Path to SQLite database file (default /var/lib/re6stnet/registry.db)."},
    {nullptr, "--dh", 1, "PATH", "DH parameters file served by getDh (optional here; without it getDh serves the RFC 7919 ffdhe2048 group)."},
    {nullptr, "--ca", 1, "PATH", "Path to the CA certificate file (required). Its serial encodes the network."},
    {nullptr, "--key", 1, "PATH", "Path to the CA private key file, PEM unencrypted (required)."},
    {nullptr, "--mailhost", 1, "HOST", "SMTP host[:port] to send tokens, or an absolute path/existing file of an mbox to append them to. Unset: no email registration."},
    {nullptr, "--smtp-user", 1, "USER", "SMTP login."},
    {nullptr, "--smtp-pwd", 1, "PASSWORD", "SMTP password."},
    {nullptr, "--smtp-starttls", 0, nullptr, "Use STARTTLS with the SMTP server."},
    {nullptr, "--prefix-length", 1, "N", "Prefix length for token (email) registrations; 0 disables them (default 16)."},
    {nullptr, "--anonymous-prefix-length", 1, "N", "Enable anonymous registration with this prefix length; 0 or unset disables it (default)."},
    {nullptr, "--ipv4", 2, "IP/N PLEN", "Enable the IPv4 payload: network IP/N, PLEN bits per node."},
    {"-l", "--logfile", 1, "PATH", "Path to the log file (default /var/log/re6stnet/registry.log). SIGUSR1 reopens it."},
    {"-r", "--run", 1, "PATH", "Directory of the local re6stnet node's babeld.sock (default /var/run/re6stnet)."},
    {"-v", "--verbose", 1, "N", "Log level: 0 off, 1 warning (default), 2 info, 3 debug, 4 trace."},
    {nullptr, "--min-protocol", 1, "N", "Reject nodes older than this protocol (1..10, default 1)."},
    {nullptr, "--authorized-origin", 1, "IP", "Repeatable: extra origin allowed to call private methods (127.0.0.1 and ::1 always are)."},
    {nullptr, "--community", 1, "PATH", "Community file: '<bits> <location>...' per line."},
    {nullptr, "--grace-period", 1, "SECONDS", "Token lifetime and retention of expired certificates (default 8640000)."},
    {nullptr, "--hello", 1, "SECONDS", "Babel hello interval sent to nodes (default 15)."},
    {nullptr, "--encrypt", 0, nullptr, "Make nodes encrypt their OpenVPN tunnels."},
    {nullptr, "--client-count", 1, "N", "Number of client tunnels per node (default 10)."},
    {nullptr, "--max-clients", 1, "N", "Maximum clients per OpenVPN server (default 2 x client-count)."},
    {nullptr, "--tunnel-refresh", 1, "SECONDS", "Seconds between tunnel refreshes (default 300)."},
    {nullptr, "--same-country", 1, "CC", "Repeatable: forbid tunnels crossing the border of this country (needs GEOIP2_MMDB)."},
    {nullptr, "--private", 1, "IPV6", "Historical, accepted and ignored: the registry talks to its local node over [::1]:326."},
    {nullptr, "--metrics", 1, "ADDR:PORT", "re6st-qt extension, off by default: serve Prometheus metrics at http://ADDR:PORT/metrics. Loopback addresses only (e.g. 127.0.0.1:9327 or [::1]:9327)."},
    {"-h", "--help", 0, nullptr, "Show this help and exit."},
};

QString optionName(const OptionSpec &spec)
{
    return QString::fromLatin1(spec.longName ? spec.longName : spec.shortName);
}

std::optional<qint64> parseInt(const QString &text)
{
    bool ok = false;
    const qint64 v = text.trimmed().toLongLong(&ok);
    if (!ok) return std::nullopt;
    return v;
}

const OptionSpec *findLong(const QString &name, QString *error)
{
    const OptionSpec *match = nullptr;
    QStringList candidates;
    for (const OptionSpec &spec : kOptions) {
        if (!spec.longName) continue;
        const QString full = QString::fromLatin1(spec.longName);
        if (full == name) return &spec;
        if (full.startsWith(name)) {
            match = &spec;
            candidates += full;
        }
    }
    if (candidates.size() == 1) return match; // unique abbreviation, as argparse
    if (candidates.size() > 1)
        *error = QStringLiteral("ambiguous option: %1 could match %2").arg(name, candidates.join(QLatin1String(", ")));
    else
        *error = QStringLiteral("unrecognized argument: %1").arg(name);
    return nullptr;
}

// -4 / -6 (R§13): empty = do not listen on that family (upstream), otherwise an
// address of that family written in full (IpLiteral: no inet_aton shorthand such
// as 1.2.3, audit F2/F3). -6 may carry a zone (fe80::1%eth0), as QHostAddress and
// upstream's bind() take it. Returns the canonical text, or nullopt.
std::optional<QString> bindAddress(const QString &value, QAbstractSocket::NetworkLayerProtocol family)
{
    if (value.isEmpty()) return value;
    const qsizetype percent = family == QAbstractSocket::IPv6Protocol ? value.indexOf(u'%') : -1;
    const QString zone = percent < 0 ? QString() : value.mid(percent + 1);
    const QHostAddress address = IpLiteral::parse(percent < 0 ? value : value.left(percent));
    if (address.protocol() != family || (percent >= 0 && zone.isEmpty())) return std::nullopt;
    return zone.isEmpty() ? address.toString() : address.toString() + u'%' + zone;
}

// --mailhost (R§13, §6.2 step 4): an mbox path (absolute, or an existing file) is
// taken as it is; otherwise HOST[:PORT] as smtplib reads it (one ':' separates a
// port, "[v6]:PORT" for an IPv6 host), whose port must be 1..65535 (audit F11:
// "x:notaport" was only found out when the first token mail failed).
QString checkMailhost(const QString &value)
{
    if (value.isEmpty() || Mailer::isMboxPath(value)) return {};
    QString port;
    if (value.startsWith(u'[')) {
        const qsizetype close = value.indexOf(u']');
        if (close < 0 || (close + 1 < value.size() && value[close + 1] != u':'))
            return QStringLiteral("argument --mailhost: '%1' is not HOST[:PORT], [IPV6][:PORT] or an mbox path").arg(value);
        if (close + 1 < value.size()) port = value.mid(close + 2);
        else return {};
    } else if (value.count(u':') == 1) {
        port = value.mid(value.indexOf(u':') + 1);
    } else {
        return {};
    }
    bool ok = !port.isEmpty();
    for (const QChar c : port) ok = ok && c >= u'0' && c <= u'9';
    const uint n = ok ? port.toUInt(&ok) : 0;
    if (!ok || n < 1 || n > 65535)
        return QStringLiteral("argument --mailhost: '%1': the port '%2' is not a number in 1..65535").arg(value, port);
    return {};
}

const OptionSpec *findShort(QChar c)
{
    for (const OptionSpec &spec : kOptions)
        if (spec.shortName && spec.shortName[1] == c) return &spec;
    return nullptr;
}

// Applies one option; returns an error text or a null string.
QString apply(RegistryOptions &o, const OptionSpec &spec, const QStringList &values, bool &help)
{
    const QString name = optionName(spec);
    const QString v = values.value(0);
    auto intValue = [&](qint64 min, qint64 max, auto &target) -> QString {
        const auto n = parseInt(v);
        if (!n) return QStringLiteral("argument %1: invalid int value: '%2'").arg(name, v);
        if (*n < min || *n > max)
            return QStringLiteral("argument %1: %2 is out of range [%3, %4]").arg(name, v).arg(min).arg(max);
        target = std::remove_reference_t<decltype(target)>(*n);
        return {};
    };
    if (name == QLatin1String("--port")) return intValue(0, 65535, o.port);
    if (name == QLatin1String("-4") || name == QLatin1String("-6")) {
        const bool v4 = name == QLatin1String("-4");
        const auto address = bindAddress(v, v4 ? QAbstractSocket::IPv4Protocol : QAbstractSocket::IPv6Protocol);
        if (!address)
            return QStringLiteral("argument %1: '%2' is not an %3 address written in full (or '' not to listen on %3)")
                .arg(name, v, v4 ? QStringLiteral("IPv4") : QStringLiteral("IPv6"));
        (v4 ? o.bind4 : o.bind6) = *address;
        return {};
    }
    if (name == QLatin1String("--db")) { o.db = v; return {}; }
    if (name == QLatin1String("--dh")) { o.dh = v; return {}; }
    if (name == QLatin1String("--ca")) { o.ca = v; return {}; }
    if (name == QLatin1String("--key")) { o.key = v; return {}; }
    if (name == QLatin1String("--mailhost")) {
        o.mailhost = v;
        return checkMailhost(v);
    }
    if (name == QLatin1String("--smtp-user")) { o.smtpUser = v; return {}; }
    if (name == QLatin1String("--smtp-pwd")) { o.smtpPwd = v; return {}; }
    if (name == QLatin1String("--smtp-starttls")) { o.smtpStarttls = true; return {}; }
    if (name == QLatin1String("--prefix-length")) return intValue(0, 128, o.prefixLength);
    if (name == QLatin1String("--anonymous-prefix-length")) return intValue(0, 128, o.anonymousPrefixLength);
    if (name == QLatin1String("--ipv4")) {
        // §13: IP normalised through inet_aton/inet_ntoa, N and PLEN integers.
        const QString net = values.value(0);
        const qsizetype slash = net.indexOf(QLatin1Char('/'));
        bool okN = false, okPlen = false;
        const qint64 n = slash < 0 ? -1 : net.mid(slash + 1).trimmed().toLongLong(&okN);
        const qint64 plen = values.value(1).trimmed().toLongLong(&okPlen);
        in_addr addr{};
        const QByteArray ip = net.left(slash).toLatin1();
        if (slash < 0 || !okN || !okPlen || ::inet_aton(ip.constData(), &addr) == 0 || n < 0 || n > 32
            || plen < 0 || n + plen > 32)
            return QStringLiteral("argument --ipv4: invalid value '%1 %2'; expected IP/N PLEN, "
                                  "e.g. --ipv4 10.42.0.0/16 8 (N + PLEN <= 32)")
                .arg(net, values.value(1));
        o.ipv4 = QStringLiteral("%1/%2").arg(QString::fromLatin1(::inet_ntoa(addr))).arg(n);
        o.ipv4Sublen = int(plen);
        return {};
    }
    if (name == QLatin1String("--logfile")) { o.logfile = v; return {}; }
    if (name == QLatin1String("--run")) { o.run = v; return {}; }
    if (name == QLatin1String("--verbose")) return intValue(0, 4, o.verbose);
    if (name == QLatin1String("--min-protocol")) return intValue(kMinProtocol, kProtocol, o.minProtocol);
    if (name == QLatin1String("--authorized-origin")) {
        // Compared with the peer's canonical QHostAddress text (RegistryService, §6.0):
        // store that form, so FD00::0001 matches fd00::1 (audit F11).
        const QHostAddress address = IpLiteral::parse(v);
        if (address.isNull())
            return QStringLiteral("argument --authorized-origin: '%1' is not an IP address written in full").arg(v);
        o.authorizedOrigins += address.toString();
        return {};
    }
    if (name == QLatin1String("--community")) { o.community = v; return {}; }
    if (name == QLatin1String("--grace-period")) return intValue(0, qint64(1) << 40, o.gracePeriod);
    if (name == QLatin1String("--hello")) return intValue(1, 1 << 20, o.hello);
    if (name == QLatin1String("--encrypt")) { o.encrypt = true; return {}; }
    if (name == QLatin1String("--client-count")) return intValue(0, 1 << 16, o.clientCount);
    if (name == QLatin1String("--max-clients")) return intValue(0, 1 << 16, o.maxClients);
    if (name == QLatin1String("--tunnel-refresh")) return intValue(1, 1 << 24, o.tunnelRefresh);
    if (name == QLatin1String("--same-country")) { o.sameCountry += v; return {}; }
    if (name == QLatin1String("--private")) {
        QHostAddress address;
        if (!address.setAddress(v) || address.protocol() != QAbstractSocket::IPv6Protocol)
            return QStringLiteral("argument --private: '%1' is not an IPv6 address").arg(v);
        o.privateAddress = v;
        return {};
    }
    if (name == QLatin1String("--metrics")) {
        if (!LoopbackEndpoint::parse(v)) return LoopbackEndpoint::usageError(name, v);
        o.metrics = v;
        return {};
    }
    if (name == QLatin1String("--help")) { help = true; return {}; }
    return QStringLiteral("internal error: unhandled option %1").arg(name);
}

} // namespace

QString RegistryOptions::checkPrefixLengths(int networkBits) const
{
    // §2.1/§6.3: a node's prefix is the network followed by N bits, and an IPv6
    // address has 128. Checked at startup rather than by every registration's
    // 500 (audit F10); 0 disables the registration kind, as upstream.
    const int room = 128 - networkBits;
    for (const auto &[option, length] : {std::pair{"--prefix-length", prefixLength},
                                         std::pair{"--anonymous-prefix-length", anonymousPrefixLength}})
        if (length > room)
            return QStringLiteral("argument %1: %2 is too long for the /%3 network of the CA: at most %4 "
                                  "(%3 + %4 = 128 bits)")
                .arg(QLatin1String(option)).arg(length).arg(networkBits).arg(room);
    return {};
}

bool RegistryOptions::isOptionString(const QString &option)
{
    for (const OptionSpec &spec : kOptions)
        if ((spec.longName && option == QLatin1String(spec.longName))
            || (spec.shortName && option == QLatin1String(spec.shortName)))
            return true;
    return false;
}

QString RegistryOptions::usage()
{
    return QStringLiteral("usage: re6st-registry [-h] --ca PATH --key PATH [--dh PATH] [--port PORT] "
                          "[-4 IP] [-6 IP] [--db PATH] [--mailhost HOST] [options...] [@OPTIONFILE]");
}

QString RegistryOptions::helpText()
{
    QString text = usage() + QStringLiteral(
        "\n\nre6stnet registry: CA, enrollment tokens, prefix allocation and network "
        "configuration over HTTP.\nArguments @FILE read options from FILE, one 'name [value...]' "
        "per line ('#' starts a comment line).\n\noptions:\n");
    for (const OptionSpec &spec : kOptions) {
        QString names;
        if (spec.shortName) names += QLatin1String(spec.shortName);
        if (spec.shortName && spec.longName) names += QLatin1String(", ");
        if (spec.longName) names += QLatin1String(spec.longName);
        if (spec.metavar) names += QLatin1Char(' ') + QLatin1String(spec.metavar);
        text += QStringLiteral("  %1\n      %2\n").arg(names, QLatin1String(spec.help));
    }
    return text;
}

RegistryOptions::Result RegistryOptions::parse(const QStringList &args)
{
    Result result;
    RegistryOptions o;
    bool maxClientsGiven = false;
    for (int i = 0; i < args.size(); ++i) {
        const QString arg = args[i];
        const OptionSpec *spec = nullptr;
        QStringList values;
        QString error;
        if (arg.startsWith(QLatin1String("--")) && arg.size() > 2) {
            const qsizetype eq = arg.indexOf(QLatin1Char('='));
            spec = findLong(eq < 0 ? arg : arg.left(eq), &error);
            if (spec && eq >= 0) {
                if (spec->nargs != 1) {
                    result.error = QStringLiteral("argument %1: '=' value not allowed here").arg(optionName(*spec));
                    return result;
                }
                values += arg.mid(eq + 1);
            }
        } else if (arg.startsWith(QLatin1Char('-')) && arg.size() > 1 && arg != QLatin1String("--")) {
            spec = findShort(arg[1]);
            if (!spec) error = QStringLiteral("unrecognized argument: %1").arg(arg);
            else if (arg.size() > 2) {
                if (spec->nargs != 1) {
                    result.error = QStringLiteral("unrecognized argument: %1").arg(arg);
                    return result;
                }
                values += arg.mid(2);
            }
        } else {
            error = QStringLiteral("unrecognized argument: %1 (options start with --; "
                                   "option files with @)").arg(arg);
        }
        if (!spec) {
            result.error = error;
            return result;
        }
        while (values.size() < spec->nargs) {
            // As argparse (§13): `--mailhost --smtp-starttls` is a missing value, not
            // mailhost "--smtp-starttls"; `--mailhost=-x` still gives any value.
            if (i + 1 >= args.size() || ArgParser::looksLikeOption(args[i + 1])) {
                result.error = spec->nargs == 1
                    ? QStringLiteral("argument %1: expected one argument").arg(optionName(*spec))
                    : QStringLiteral("argument %1: expected %2 arguments").arg(optionName(*spec)).arg(spec->nargs);
                return result;
            }
            values += args[++i];
        }
        if (QLatin1String(spec->longName ? spec->longName : "") == QLatin1String("--max-clients"))
            maxClientsGiven = true;
        error = apply(o, *spec, values, result.help);
        if (!error.isEmpty()) {
            result.error = error;
            return result;
        }
        if (result.help) return result;
    }
    QStringList missing;
    if (o.ca.isEmpty()) missing += QStringLiteral("--ca");
    if (o.key.isEmpty()) missing += QStringLiteral("--key");
    if (!missing.isEmpty()) {
        result.error = QStringLiteral("the following arguments are required: %1").arg(missing.join(QLatin1String(", ")));
        return result;
    }
    if (o.bind4.isEmpty() && o.bind6.isEmpty()) {
        result.error = QStringLiteral("arguments -4 and -6: both are empty, nothing to listen on");
        return result;
    }
    if (!maxClientsGiven) o.maxClients = 2 * o.clientCount;
    o.authorizedOrigins.removeDuplicates();
    result.options = o;
    return result;
}

} // namespace re6st::registry
