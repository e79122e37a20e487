// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/OptionFile.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

#include <sys/stat.h>

using re6st::OptionFile;

class tst_OptionFile final : public QObject
{
    Q_OBJECT

private:
    static bool known(const QString &option)
    {
        static const QStringList options{"--ca", "--key", "--hello", "--ipv4", "--verbose", "--encrypt", "-O", "-4"};
        return options.contains(option);
    }
    static QString write(const QTemporaryDir &dir, const QString &name, const QByteArray &text)
    {
        const QString path = dir.filePath(name);
        QFile file(path);
        if (!file.open(QIODevice::WriteOnly)) return {};
        file.write(text);
        return path;
    }

private Q_SLOTS:
    void linesCommentsAndNestedIncludes()
    {
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString inner = write(dir, "inner.conf", "hello 4\n  # indented comment\nencrypt\n");
        const QString outer = write(dir, "outer.conf",
                                    "# registry options\n\nca ca.crt\nkey 'my dir/ca.key'\n@" + inner.toUtf8()
                                        + "\nipv4 10.42.0.0/16 8\r\nO--verb\nO3\n   \n");
        QString error;
        const auto args = OptionFile::expand({"-v", "3", "@" + outer, "--hello", "5"}, known, &error);
        QVERIFY2(args, qPrintable(error));
        const QStringList expected{"-v", "3", "--ca", "ca.crt", "--key", "my dir/ca.key",
                                   "--hello", "4", "--encrypt", "--ipv4", "10.42.0.0/16", "8",
                                   "-O--verb", "-O3", "--hello", "5"};
        QCOMPARE(*args, expected);
    }

    void unknownLongNameBecomesShortForm()
    {
        QString error;
        QCOMPARE(*OptionFile::lineToArgs("O--verb", known, &error), QStringList{"-O--verb"});
        QCOMPARE(*OptionFile::lineToArgs("4 10.0.0.1", known, &error), (QStringList{"-4", "10.0.0.1"}));
        QCOMPARE(*OptionFile::lineToArgs("ca x", known, &error), (QStringList{"--ca", "x"}));
        // No trailing comments: '#' after text is an ordinary word.
        QCOMPARE(*OptionFile::lineToArgs("hello 4 # four", known, &error), (QStringList{"--hello", "4", "#", "four"}));
        QCOMPARE(*OptionFile::lineToArgs("#hello 4", known, &error), QStringList());
        QCOMPARE(*OptionFile::lineToArgs("  ", known, &error), QStringList());
    }

    // Audit F7: a name that is neither `--name` nor a short form `-X...` is named as written.
    void unknownOptionNamedWithFileAndLine()
    {
        QString error;
        QVERIFY(!OptionFile::lineToArgs("bogus-line here", known, &error));
        QCOMPARE(error, QStringLiteral("unknown option 'bogus-line' (see --help)"));
        QVERIFY(!OptionFile::lineToArgs("'' x", known, &error));
        QCOMPARE(error, QStringLiteral("unknown option '' (see --help)"));
        QCOMPARE(*OptionFile::lineToArgs("O3", known, &error), QStringList{"-O3"});
        QTemporaryDir dir;
        QVERIFY(dir.isValid());
        const QString path = write(dir, "re6stnet.conf", "ca ca.crt\n# comment\n\nO--verb\nbogus-line here\nkey k\n");
        QVERIFY(!OptionFile::expand({"@" + path}, known, &error));
        QCOMPARE(error, QStringLiteral("option file %1, line 5: unknown option 'bogus-line' (see --help)").arg(path));
    }

    void shellSplitting()
    {
        QString error;
        QCOMPARE(*OptionFile::shellSplit("a \"b c\" 'd e' f\\ g \"h\\\"i\"", &error),
                 (QStringList{"a", "b c", "d e", "f g", "h\"i"}));
        QCOMPARE(*OptionFile::shellSplit("x '' y", &error), (QStringList{"x", "", "y"}));
        QVERIFY(!OptionFile::shellSplit("a 'unterminated", &error));
        QVERIFY(!error.isEmpty());
    }

    // Audit F1: only Python shlex's whitespace (" \t\r\n") separates words; a
    // no-break space in a value must not add options such as `--up`.
    void onlyAsciiWhitespaceSplits()
    {
        QString error;
        QCOMPARE(*OptionFile::shellSplit(QStringLiteral("a\u00a0b c\td\u2003e\u3000f"), &error),
                 (QStringList{QStringLiteral("a\u00a0b"), "c", QStringLiteral("d\u2003e\u3000f")}));
        QCOMPARE(*OptionFile::shellSplit(QStringLiteral("a\vb\fc"), &error), QStringList{QStringLiteral("a\vb\fc")}); // as shlex
        QCOMPARE(OptionFile::lineToArgs(QStringLiteral("ca http://127.0.0.1:8000/\u00a0--up\u00a0/tmp/evil.sh"),
                                        known, &error),
                 (QStringList{"--ca", QStringLiteral("http://127.0.0.1:8000/\u00a0--up\u00a0/tmp/evil.sh")}));
    }

    // Audit F9: regular files only, at most 1 MiB, a bounded expansion; clear errors, no hang.
    void limits()
    {
        QTemporaryDir dir;
        QString error;
        QVERIFY(!OptionFile::expand({"@/dev/zero"}, known, &error));
        QCOMPARE(error, QStringLiteral("cannot read option file /dev/zero: not a regular file (give the path of a "
                                       "file, not a directory, device or pipe)"));
        const QString fifo = dir.filePath("fifo.conf");
        QVERIFY(::mkfifo(QFile::encodeName(fifo).constData(), 0600) == 0);
        QVERIFY(!OptionFile::expand({"@" + fifo}, known, &error)); // used to block for ever
        QVERIFY2(error.endsWith("fifo.conf: not a regular file (give the path of a file, not a directory, device or pipe)"),
                 qPrintable(error));
        QVERIFY(!OptionFile::expand({"@" + dir.path()}, known, &error));
        QVERIFY2(error.contains("not a regular file"), qPrintable(error));

        const QString big = write(dir, "big.conf", "hello 4\n" + QByteArray(1 << 20, '#'));
        QVERIFY(!OptionFile::expand({"@" + big}, known, &error));
        QVERIFY2(error.endsWith("big.conf: larger than 1 MiB; is this the right file?"), qPrintable(error));
        const QString fits = write(dir, "fits.conf", "hello 4\n#" + QByteArray((1 << 20) - 9, 'x'));
        QVERIFY2(OptionFile::expand({"@" + fits}, known, &error), qPrintable(error));

        // Fan-out: 3 includes of 50,000 arguments is over the 100,000 total.
        const QString many = write(dir, "many.conf", QByteArray("encrypt\n").repeated(50000));
        const QString thrice = write(dir, "thrice.conf", ("@" + many.toUtf8() + "\n").repeated(3));
        const auto twice = OptionFile::expand({"@" + many, "@" + many}, known, &error);
        QVERIFY2(twice, qPrintable(error));
        QCOMPARE(twice->size(), 100000);
        QVERIFY(!OptionFile::expand({"@" + thrice}, known, &error));
        QCOMPARE(error, QStringLiteral("option files expand to more than 100000 arguments at %1, line 1 (the same "
                                       "file included many times?); check the @ lines").arg(many));
        // Each level includes the next 20 times, empty leaves: no argument, but 20^4 files to read.
        QString next = write(dir, "leaf.conf", "# nothing\n");
        for (int level = 0; level < 4; ++level)
            next = write(dir, QStringLiteral("level%1.conf").arg(level), ("@" + next.toUtf8() + "\n").repeated(20));
        QVERIFY(!OptionFile::expand({"@" + next}, known, &error));
        QVERIFY2(error.contains("more than 256 @includes"), qPrintable(error));
    }

    void errors()
    {
        QTemporaryDir dir;
        QString error;
        QVERIFY(!OptionFile::expand({"@" + dir.filePath("missing.conf")}, known, &error));
        QVERIFY(error.contains("missing.conf"));
        const QString loop = dir.filePath("loop.conf");
        write(dir, "loop.conf", "@" + loop.toUtf8() + "\n");
        QVERIFY(!OptionFile::expand({"@" + loop}, known, &error));
        QVERIFY(error.contains("nested"));
        const QString bad = write(dir, "bad.conf", "ca ok\nkey \"open\n");
        QVERIFY(!OptionFile::expand({"@" + bad}, known, &error));
        QVERIFY(error.contains("line 2"));
    }
};

QTEST_GUILESS_MAIN(tst_OptionFile)
#include "tst_optionfile.moc"
