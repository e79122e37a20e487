// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/OptionFile.h"

#include <QFile>
#include <QTemporaryDir>
#include <QTest>

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

    void shellSplitting()
    {
        QString error;
        QCOMPARE(*OptionFile::shellSplit("a \"b c\" 'd e' f\\ g \"h\\\"i\"", &error),
                 (QStringList{"a", "b c", "d e", "f g", "h\"i"}));
        QCOMPARE(*OptionFile::shellSplit("x '' y", &error), (QStringList{"x", "", "y"}));
        QVERIFY(!OptionFile::shellSplit("a 'unterminated", &error));
        QVERIFY(!error.isEmpty());
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
