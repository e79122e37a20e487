// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/OptionFile.h"
#include "registry/RegistryOptions.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

using re6st::registry::RegistryOptions;

class tst_RegistryOptions final : public QObject
{
    Q_OBJECT

private:
    static RegistryOptions::Result parse(QStringList args)
    {
        return RegistryOptions::parse(QStringList{"--ca", "ca.crt", "--key", "ca.key"} + args);
    }

private Q_SLOTS:
    void defaults()
    {
        const auto r = parse({});
        QVERIFY2(r.options, qPrintable(r.error));
        const RegistryOptions &o = *r.options;
        QCOMPARE(o.port, 80);
        QCOMPARE(o.bind4, "0.0.0.0");
        QCOMPARE(o.bind6, "::");
        QCOMPARE(o.db, "/var/lib/re6stnet/registry.db");
        QCOMPARE(o.logfile, "/var/log/re6stnet/registry.log");
        QCOMPARE(o.run, "/var/run/re6stnet");
        QCOMPARE(o.prefixLength, 16);
        QCOMPARE(o.anonymousPrefixLength, 0);
        QCOMPARE(o.verbose, 1);
        QCOMPARE(o.minProtocol, 1);
        QCOMPARE(o.gracePeriod, 8640000);
        QCOMPARE(o.hello, 15);
        QCOMPARE(o.clientCount, 10);
        QCOMPARE(o.maxClients, 20);
        QCOMPARE(o.tunnelRefresh, 300);
        QVERIFY(!o.encrypt);
        QVERIFY(o.dh.isEmpty()); // --dh is optional (man page synopsis)
        QVERIFY(o.mailhost.isEmpty());
        QCOMPARE(o.authorizedOrigins, (QStringList{"127.0.0.1", "::1"}));
        QVERIFY(o.ipv4.isEmpty());
    }

    void manPageSynopsis()
    {
        auto r = RegistryOptions::parse({"--ca", "ca.crt", "--key", "ca.key", "--mailhost", "smtp.example.com"});
        QVERIFY2(r.options, qPrintable(r.error));
        QCOMPARE(r.options->mailhost, "smtp.example.com");
        r = parse({"--private", "2001:db8:42::1"});
        QVERIFY2(r.options, qPrintable(r.error));
        QCOMPARE(r.options->privateAddress, "2001:db8:42::1");
        r = parse({"--private", "10.0.0.1"});
        QVERIFY(!r.options);
        QVERIFY(r.error.contains("--private"));
    }

    void required()
    {
        const auto r = RegistryOptions::parse({"--ca", "ca.crt"});
        QVERIFY(!r.options);
        QVERIFY(r.error.contains("--key"));
    }

    void ipv4Normalisation()
    {
        auto r = parse({"--ipv4", "10.42/16", "8"});
        QVERIFY2(r.options, qPrintable(r.error));
        QCOMPARE(r.options->ipv4, "10.0.0.42/16"); // inet_aton semantics
        QCOMPARE(r.options->ipv4Sublen, 8);
        r = parse({"--ipv4", "10.42.0.0/16", "8", "--hello", "4"});
        QVERIFY(r.options);
        QCOMPARE(r.options->ipv4, "10.42.0.0/16");
        QCOMPARE(r.options->hello, 4);
        QVERIFY(!parse({"--ipv4", "10.42.0.300/16", "8"}).options);
        QVERIFY(!parse({"--ipv4", "10.42.0.0", "8"}).options);
        QVERIFY(!parse({"--ipv4", "10.42.0.0/16", "x"}).options);
        QVERIFY(!parse({"--ipv4", "10.42.0.0/16"}).options); // two values needed
        QVERIFY(!parse({"--ipv4", "10.42.0.0/30", "8"}).options);
    }

    void minProtocolBounds()
    {
        QCOMPARE(parse({"--min-protocol", "1"}).options->minProtocol, 1);
        QCOMPARE(parse({"--min-protocol", "10"}).options->minProtocol, 10);
        QVERIFY(!parse({"--min-protocol", "0"}).options);
        QVERIFY(!parse({"--min-protocol", "11"}).options);
        QVERIFY(!parse({"--min-protocol", "x"}).options);
    }

    void forms()
    {
        const auto r = parse({"--port=8080", "-4", "", "-6::1", "-v3", "--client-count", "5",
                              "--authorized-origin", "10.0.0.1", "--authorized-origin", "::1",
                              "--same-country", "FR", "--encrypt", "--smtp-starttls",
                              "--anonymous-prefix-length", "24", "--grace", "100"});
        QVERIFY2(r.options, qPrintable(r.error));
        const RegistryOptions &o = *r.options;
        QCOMPARE(o.port, 8080);
        QVERIFY(o.bind4.isEmpty());
        QCOMPARE(o.bind6, "::1");
        QCOMPARE(o.verbose, 3);
        QCOMPARE(o.clientCount, 5);
        QCOMPARE(o.maxClients, 10); // 2 x client-count
        QCOMPARE(o.authorizedOrigins, (QStringList{"127.0.0.1", "::1", "10.0.0.1"}));
        QCOMPARE(o.sameCountry, QStringList{"FR"});
        QVERIFY(o.encrypt && o.smtpStarttls);
        QCOMPARE(o.anonymousPrefixLength, 24);
        QCOMPARE(o.gracePeriod, 100); // unique abbreviation, as argparse
        QCOMPARE(parse({"--client-count", "5", "--max-clients", "7"}).options->maxClients, 7);
    }

    void usageErrors()
    {
        QVERIFY(!parse({"--bogus"}).options);
        QVERIFY(!parse({"--port"}).options);
        QVERIFY(!parse({"--port", "http"}).options);
        QVERIFY(!parse({"positional"}).options);
        QVERIFY(!parse({"--s", "x"}).options); // ambiguous: --smtp-*, --same-country
        // Audit F10: a following option is not a value (argparse: "expected one argument").
        auto r = parse({"--mailhost", "--smtp-starttls"});
        QVERIFY(!r.options);
        QCOMPARE(r.error, QStringLiteral("argument --mailhost: expected one argument"));
        r = parse({"--ipv4", "10.42.0.0/16", "-v", "3"});
        QVERIFY(!r.options);
        QCOMPARE(r.error, QStringLiteral("argument --ipv4: expected 2 arguments"));
        r = parse({"-4", "--port", "80"});
        QVERIFY(!r.options);
        QCOMPARE(r.error, QStringLiteral("argument -4: expected one argument"));
        // As argparse: "=" gives any value, a negative number is a value, "-" too.
        r = parse({"--smtp-pwd=--secret", "--same-country", "-"});
        QVERIFY2(r.options, qPrintable(r.error));
        QCOMPARE(r.options->smtpPwd, QStringLiteral("--secret"));
        QCOMPARE(r.options->sameCountry, QStringList{"-"});
        r = parse({"--port", "-1"});
        QVERIFY(r.error.contains("out of range")); // reached the value check
        const auto help = RegistryOptions::parse({"--help"});
        QVERIFY(help.help);
        const QString text = RegistryOptions::helpText();
        for (const char *option : {"--port", "-4", "-6", "--db", "--dh", "--ca", "--key", "--mailhost",
                                   "--smtp-user", "--smtp-pwd", "--smtp-starttls", "--prefix-length",
                                   "--anonymous-prefix-length", "--ipv4", "--logfile", "--run",
                                   "--verbose", "--min-protocol", "--authorized-origin", "--community",
                                   "--grace-period", "--hello", "--encrypt", "--client-count",
                                   "--max-clients", "--tunnel-refresh", "--same-country", "--private"})
            QVERIFY2(text.contains(QLatin1String(option)), option);
    }

    // Audit F3 (and F2 for the registry): -4/-6 are checked at option parsing, as
    // addresses of their family written in full; '' means "do not listen" (R§13).
    void bindAddresses()
    {
        auto r = parse({"-4", "10.0.0.1", "-6", "2001:DB8::0001"});
        QVERIFY2(r.options, qPrintable(r.error));
        QCOMPARE(r.options->bind4, "10.0.0.1");
        QCOMPARE(r.options->bind6, "2001:db8::1"); // canonical
        r = parse({"-6", "fe80::1%lo"});
        QVERIFY2(r.options, qPrintable(r.error));
        QCOMPARE(r.options->bind6, "fe80::1%lo");
        r = parse({"-4", ""});
        QVERIFY2(r.options, qPrintable(r.error));
        QVERIFY(r.options->bind4.isEmpty());
        for (const char *bad : {"1.2.3", "10", "0x7f.1", "300.1.1.1", "localhost", "::1", " 10.0.0.1"}) {
            r = parse({"-4", bad});
            QVERIFY2(!r.options, bad);
            QCOMPARE(r.error, QStringLiteral("argument -4: '%1' is not an IPv4 address written in full "
                                             "(or '' not to listen on IPv4)").arg(QLatin1String(bad)));
        }
        for (const char *bad : {"127.0.0.1", "::g", "fe80::1%", "localhost"}) {
            r = parse({"-6", bad});
            QVERIFY2(!r.options, bad);
            QVERIFY2(r.error.startsWith("argument -6: '"), qPrintable(r.error));
        }
        r = parse({"-4", "", "-6", ""});
        QVERIFY(!r.options);
        QCOMPARE(r.error, QStringLiteral("arguments -4 and -6: both are empty, nothing to listen on"));
        QVERIFY(parse({"-4", "", "-6", "", "-4", "127.0.0.1"}).options); // the last one wins
    }

    // Audit F11: stored in the canonical form the peer address is compared in.
    void authorizedOrigin()
    {
        auto r = parse({"--authorized-origin", "FD00::0001", "--authorized-origin", "10.0.0.1",
                        "--authorized-origin", "0:0:0:0:0:0:0:1"});
        QVERIFY2(r.options, qPrintable(r.error));
        QCOMPARE(r.options->authorizedOrigins, (QStringList{"127.0.0.1", "::1", "fd00::1", "10.0.0.1"}));
        for (const char *bad : {"garbage", "10.0.0.01", "1.2.3", "", "host.example"}) {
            r = parse({"--authorized-origin", bad});
            QVERIFY2(!r.options, bad);
            QCOMPARE(r.error, QStringLiteral("argument --authorized-origin: '%1' is not an IP address "
                                             "written in full").arg(QLatin1String(bad)));
        }
    }

    // Audit F11: a bad SMTP port is a usage error at startup, not a 500 per token.
    void mailhostPort()
    {
        for (const char *good : {"smtp.example.com", "smtp.example.com:25", "127.0.0.1:2525", "[::1]:25",
                                 "[::1]", "/var/mail/tokens", "h:65535"}) {
            const auto r = parse({"--mailhost", good});
            QVERIFY2(r.options, qPrintable(r.error));
            QCOMPARE(r.options->mailhost, QLatin1String(good));
        }
        for (const char *bad : {"x:notaport", "x:", "x:0", "x:65536", "x:+25", "[::1]:x", "[::1"}) {
            const auto r = parse({"--mailhost", bad});
            QVERIFY2(!r.options, bad);
            QVERIFY2(r.error.startsWith(QStringLiteral("argument --mailhost: '%1'").arg(QLatin1String(bad))),
                     qPrintable(r.error));
        }
        QVERIFY(parse({"--mailhost", "x:notaport"}).error.contains("1..65535"));
    }

    // Audit F10: checked once the CA gives the network size.
    void prefixLengthsAgainstNetwork()
    {
        auto r = parse({"--prefix-length", "80", "--anonymous-prefix-length", "80"});
        QVERIFY2(r.options, qPrintable(r.error));
        QVERIFY(r.options->checkPrefixLengths(48).isNull()); // 48 + 80 = 128
        QCOMPARE(r.options->checkPrefixLengths(49),
                 QStringLiteral("argument --prefix-length: 80 is too long for the /49 network of the CA: "
                                "at most 79 (49 + 79 = 128 bits)"));
        r = parse({"--prefix-length", "0", "--anonymous-prefix-length", "120"});
        QCOMPARE(r.options->checkPrefixLengths(16),
                 QStringLiteral("argument --anonymous-prefix-length: 120 is too long for the /16 network of "
                                "the CA: at most 112 (16 + 112 = 128 bits)"));
        QVERIFY(parse({}).options->checkPrefixLengths(112).isNull()); // 16 + 0 (anonymous disabled)
        QVERIFY(!parse({}).options->checkPrefixLengths(113).isNull());
        // R§13: --anonymous-prefix-length unset or 0 disables anonymous registration.
        QVERIFY(RegistryOptions::helpText().contains("0 or unset disables it"));
    }

    void optionFileDemo()
    {
        // The demo registry file of registry-protocol.md §13.1.
        QTemporaryDir dir;
        const QString path = dir.filePath("re6st-registry.conf");
        QFile file(path);
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("ca ca.crt\nkey registry/ca.key\ndh dh2048.pem\nlogfile registry/registry.log\n"
                   "run registry/run\nhello 4\nclient-count 2\ntunnel-refresh 100\n"
                   "ipv4 10.42.0.0/16 8\nprefix-length 13\ncommunity registry/community.conf\n");
        file.close();
        QString error;
        const auto args = re6st::OptionFile::expand({"@" + path}, &RegistryOptions::isOptionString, &error);
        QVERIFY2(args, qPrintable(error));
        const auto r = RegistryOptions::parse(*args);
        QVERIFY2(r.options, qPrintable(r.error));
        QCOMPARE(r.options->dh, "dh2048.pem");
        QCOMPARE(r.options->hello, 4);
        QCOMPARE(r.options->maxClients, 4);
        QCOMPARE(r.options->prefixLength, 13);
        QCOMPARE(r.options->ipv4, "10.42.0.0/16");
        QCOMPARE(r.options->community, "registry/community.conf");
    }
};

QTEST_GUILESS_MAIN(tst_RegistryOptions)
#include "tst_registryoptions.moc"
