// SPDX-License-Identifier: GPL-2.0-or-later
#include "ConfCommandLine.h"

namespace re6st::conf {

namespace {

struct OptionSpec
{
    const char *longName;
    char shortName; // 0: none
    int nargs;      // 0 = flag
};

const OptionSpec kOptions[] = {
    {"help", 'h', 0},     {"fingerprint", 0, 1}, {"registry", 0, 1}, {"is-needed", 0, 0},
    {"ca-only", 0, 0},    {"dir", 'd', 1},       {"req", 'r', 2},     {"email", 0, 1},
    {"token", 0, 1},      {"anonymous", 0, 0},   {"location", 0, 1},
};

QString displayName(const OptionSpec &o)
{
    const QString l = QStringLiteral("--") + QLatin1String(o.longName);
    return o.shortName ? QStringLiteral("-%1/%2").arg(QLatin1Char(o.shortName)).arg(l) : l;
}

} // namespace

QString ConfCommandLine::usage()
{
    return QStringLiteral("usage: re6st-conf [-h] [--fingerprint ALG:HASH] --registry URL [--is-needed]\n"
                          "                  [--ca-only] [-d DIR] [-r KEY VALUE] [--email EMAIL]\n"
                          "                  [--token TOKEN] [--anonymous] [--location CC,CONT]\n");
}

QString ConfCommandLine::helpText()
{
    return usage() + QStringLiteral(
        "\n"
        "Set up a re6st node: get the CA and a certificate from the registry, and\n"
        "write ca.crt, cert.key, cert.crt and a sample re6stnet.conf.\n"
        "\n"
        "options:\n"
        "  -h, --help            show this help message and exit\n"
        "  --fingerprint ALG:HASH\n"
        "                        check the CA certificate: ALG is a hash algorithm\n"
        "                        (sha1, sha256, ...) and HASH the hexadecimal digest of\n"
        "                        the CA certificate in DER form\n"
        "  --registry URL        HTTP(S) URL of the registry (required)\n"
        "  --is-needed           only check whether this host already reaches the\n"
        "                        re6st network through re6st: exit 1 if so, else 0\n"
        "  --ca-only             only write the CA certificate (ca.crt)\n"
        "  -d DIR, --dir DIR     directory of the files (default: current directory)\n"
        "  -r KEY VALUE, --req KEY VALUE\n"
        "                        add a field to the certificate request subject, e.g.\n"
        "                        -r C FR -r O Example (repeatable; CN is reserved)\n"
        "  --email EMAIL         email address the token is sent to (default: ask)\n"
        "  --token TOKEN         token already received (default: request one)\n"
        "  --anonymous           request an anonymous certificate, without a token\n"
        "  --location CC,CONT    country and continent codes, e.g. FR,EU, sent to the\n"
        "                        registry and written as 'country CC' in re6stnet.conf\n");
}

ConfCommandLine ConfCommandLine::parse(const QStringList &arguments)
{
    ConfCommandLine cl;
    QStringList unrecognized;
    bool registryGiven = false;
    bool optionsEnded = false;

    for (qsizetype i = 0; i < arguments.size(); ++i) {
        const QString arg = arguments.at(i);
        const OptionSpec *spec = nullptr;
        std::optional<QString> attached; // "--opt=value" or "-dDIR"

        if (optionsEnded || !arg.startsWith(QLatin1Char('-')) || arg == QLatin1String("-")) {
            unrecognized << arg;
            continue;
        }
        if (arg == QLatin1String("--")) {
            optionsEnded = true;
            continue;
        }
        if (arg.startsWith(QLatin1String("--"))) {
            QString name = arg.mid(2);
            const qsizetype eq = name.indexOf(QLatin1Char('='));
            if (eq >= 0) {
                attached = name.mid(eq + 1);
                name.truncate(eq);
            }
            QList<const OptionSpec *> matches;
            for (const OptionSpec &o : kOptions) {
                if (name == QLatin1String(o.longName)) {
                    matches = {&o};
                    break;
                }
                if (QLatin1String(o.longName).startsWith(name))
                    matches << &o;
            }
            if (matches.size() > 1) {
                QStringList names;
                for (const OptionSpec *o : matches)
                    names << QStringLiteral("--") + QLatin1String(o->longName);
                cl.error = QStringLiteral("ambiguous option: --%1 could match %2").arg(name, names.join(QStringLiteral(", ")));
                return cl;
            }
            if (matches.isEmpty()) {
                unrecognized << arg;
                continue;
            }
            spec = matches.first();
        } else {
            const QChar c = arg.at(1);
            for (const OptionSpec &o : kOptions)
                if (o.shortName && c == QLatin1Char(o.shortName))
                    spec = &o;
            if (!spec) {
                unrecognized << arg;
                continue;
            }
            if (arg.size() > 2)
                attached = arg.mid(2);
        }

        QStringList values;
        if (spec->nargs == 0) {
            if (attached) {
                cl.error = QStringLiteral("argument %1: ignored explicit argument '%2'").arg(displayName(*spec), *attached);
                return cl;
            }
        } else if (attached) {
            if (spec->nargs != 1) {
                cl.error = QStringLiteral("argument %1: expected %2 arguments").arg(displayName(*spec)).arg(spec->nargs);
                return cl;
            }
            values << *attached;
        } else {
            for (int n = 0; n < spec->nargs; ++n) {
                if (i + 1 >= arguments.size() || arguments.at(i + 1).startsWith(QLatin1String("--"))) {
                    cl.error = spec->nargs == 1
                        ? QStringLiteral("argument %1: expected one argument").arg(displayName(*spec))
                        : QStringLiteral("argument %1: expected %2 arguments").arg(displayName(*spec)).arg(spec->nargs);
                    return cl;
                }
                values << arguments.at(++i);
            }
        }

        const QLatin1String name(spec->longName);
        Enrollment::Options &o = cl.options;
        if (name == QLatin1String("help")) {
            cl.help = true;
            return cl;
        } else if (name == QLatin1String("fingerprint")) {
            o.fingerprint = values.first();
        } else if (name == QLatin1String("registry")) {
            o.registry = values.first();
            registryGiven = true;
        } else if (name == QLatin1String("is-needed")) {
            cl.isNeeded = true;
        } else if (name == QLatin1String("ca-only")) {
            o.mode = Enrollment::Mode::CaOnly;
        } else if (name == QLatin1String("dir")) {
            // An unset shell variable (-d "$DIR") must not mean the working directory,
            // whose ca.crt would be replaced (audit F9); upstream's chdir('') fails too.
            if (values.first().isEmpty()) {
                cl.error = QStringLiteral("argument -d/--dir: empty directory name");
                return cl;
            }
            o.directory = values.first();
        } else if (name == QLatin1String("req")) {
            o.req.append({values.at(0), values.at(1)});
        } else if (name == QLatin1String("email")) {
            o.email = values.first();
        } else if (name == QLatin1String("token")) {
            o.token = values.first();
        } else if (name == QLatin1String("anonymous")) {
            o.anonymous = true;
        } else if (name == QLatin1String("location")) {
            o.location = values.first();
        }
    }
    if (!registryGiven)
        cl.error = QStringLiteral("the following arguments are required: --registry");
    else if (!unrecognized.isEmpty())
        cl.error = QStringLiteral("unrecognized arguments: %1").arg(unrecognized.join(QLatin1Char(' ')));
    if (cl.isNeeded)
        cl.options.mode = Enrollment::Mode::NetworkOnly;
    return cl;
}

} // namespace re6st::conf
