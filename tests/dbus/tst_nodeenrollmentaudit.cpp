// SPDX-License-Identifier: GPL-2.0-or-later
// daemon/NodeEnrollment against the in-test registry (tests/unit/FakeEnrollmentRegistry.h),
// for the D-Bus audit's findings (/tmp/fix-dbus-audit.md):
//  H1  RequestToken never answers success when no token was made (bad address, HTTP 400);
//  M3  a 403 with the registry's explanation says that reason;
//  H2  Enroll replace=true into another registry (or location) installs a new re6stnet.conf
//      and keeps the old one in replaced-<time>/;
//  L3  "cannot create DIR" says why;
//  L7  a target that cannot be installed by rename(2) is refused before the token is spent.
#include "../unit/FakeEnrollmentRegistry.h"
#include "daemon/DBusErrors.h"
#include "daemon/NodeEnrollment.h"

#include <QDir>
#include <QTemporaryDir>
#include <QtTest>

#include <cerrno>
#include <sys/stat.h>
#include <cstring>
#include <memory>
#include <optional>

using re6st::daemon::NodeEnrollment;
using re6st::test::FakeRegistry;
using re6st::test::readFile;
namespace dbuserror = re6st::daemon::dbuserror;

namespace {

// What a NodeEnrollment call answered, and the Progress it sent meanwhile.
struct Answer
{
    std::optional<re6st::daemon::NodeController::Reply> reply;
    QList<std::pair<QString, QString>> progress; // (step, detail)
    QString error() const { return reply ? reply->error : QStringLiteral("(no answer)"); }
    QString message() const { return reply ? reply->message : QString(); }
    QVariantMap result() const { return reply ? reply->values.value(0).toMap() : QVariantMap(); }
};

QString errorName(const char *name) { return QString::fromLatin1(name); }

// The replaced-<time> directories in `dir`, full paths.
QStringList backupDirs(const QString &dir)
{
    QStringList dirs = QDir(dir).entryList({QStringLiteral("replaced-*")}, QDir::Dirs | QDir::NoDotAndDotDot);
    for (QString &name : dirs) name.prepend(dir + u'/');
    return dirs;
}

bool hasStaging(const QString &dir)
{
    return !QDir(dir).entryList({QStringLiteral(".enroll-*")}, QDir::Dirs | QDir::Hidden).isEmpty();
}

// Runs a NodeEnrollment call and waits for its answer (generous bound: key generation).
std::shared_ptr<Answer> answerOf(const std::function<void(NodeEnrollment::Progress, NodeEnrollment::Done)> &call)
{
    auto answer = std::make_shared<Answer>();
    call([answer](const QString &step, const QString &detail) { answer->progress.append({step, detail}); },
         [answer](const re6st::daemon::NodeController::Reply &r) { answer->reply = r; });
    if (!QTest::qWaitFor([answer] { return answer->reply.has_value(); }, 60000))
        qWarning("no answer within 60 s"); // answer->error() says so
    return answer;
}

std::shared_ptr<Answer> requestToken(NodeEnrollment &e, const FakeRegistry &registry, const QString &email)
{
    return answerOf([&](NodeEnrollment::Progress progress, NodeEnrollment::Done done) {
        e.requestToken(registry.url(), NodeEnrollment::fingerprintOf(registry.ca), email, progress, done);
    });
}

std::shared_ptr<Answer> enroll(NodeEnrollment &e, const FakeRegistry &registry, QVariantMap options = {})
{
    options.insert(QStringLiteral("anonymous"), true);
    return answerOf([&](NodeEnrollment::Progress progress, NodeEnrollment::Done done) {
        e.enroll(registry.url(), NodeEnrollment::fingerprintOf(registry.ca), QString(), options, progress, done);
    });
}

// replaced-<time> directories are named by the UTC second, and one is never reused:
// waits for the next second before another replacement.
bool nextSecond()
{
    const auto stamp = [] { return QDateTime::currentSecsSinceEpoch(); };
    const qint64 now = stamp();
    return QTest::qWaitFor([&] { return stamp() != now; }, 5000);
}

} // namespace

class TestNodeEnrollmentAudit final : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // H1: an address the registry's rule refuses is refused here, before any traffic.
    void addressTheRegistryRefusesIsInvalid_data()
    {
        QTest::addColumn<QString>("email");
        QTest::newRow("empty label") << QStringLiteral("me@example..com");
        QTest::newRow("two @") << QStringLiteral("a@b@c.org");
        QTest::newRow("comma") << QStringLiteral("a,b@c.org");
        QTest::newRow("too long") << QString(250, u'a') + QStringLiteral("@example.org");
    }
    void addressTheRegistryRefusesIsInvalid()
    {
        QFETCH(QString, email);
        FakeRegistry registry;
        QTemporaryDir tmp;
        NodeEnrollment e(tmp.path());
        const auto answer = requestToken(e, registry, email);
        QCOMPARE(answer->error(), errorName(dbuserror::InvalidArgument));
        QVERIFY2(answer->message().contains(QLatin1String("email address")), qPrintable(answer->message()));
        QVERIFY(registry.calls.isEmpty());
        QVERIFY(!e.isBusy());
    }

    // H1: HTTP 400 means no token was made: InvalidArgument with the registry's reason,
    // never success. M3: a 403 with the registry's reason says that reason; a bare 403
    // (upstream) is "does not send tokens by email".
    void refusedTokenRequestSaysWhy_data()
    {
        QTest::addColumn<int>("status");
        QTest::addColumn<QByteArray>("reason");
        QTest::addColumn<QString>("error");
        QTest::addColumn<QString>("expected");
        QTest::addColumn<QString>("unexpected");
        QTest::newRow("400") << 400 << QByteArray("invalid email address: the domain is not allowed here")
                             << errorName(dbuserror::InvalidArgument)
                             << QStringLiteral("the registry refused the address (invalid email address: the "
                                               "domain is not allowed here)")
                             << QStringLiteral("could not confirm");
        QTest::newRow("403 rate limit") << 403 << QByteArray("a token was mailed to alice@example.org 30 s ago; use "
                                                             "it, or ask again in 30 s")
                                        << errorName(dbuserror::Failed)
                                        << QStringLiteral("the registry refused to mail a token: a token was mailed "
                                                          "to alice@example.org 30 s ago")
                                        << QStringLiteral("does not send tokens");
        QTest::newRow("403 upstream") << 403 << QByteArray() << errorName(dbuserror::Failed)
                                      << QStringLiteral("the registry does not send tokens by email")
                                      << QStringLiteral("refused to mail");
        QTest::newRow("403 Python default") << 403 << QByteArray("Message: Forbidden.") << errorName(dbuserror::Failed)
                                            << QStringLiteral("the registry does not send tokens by email")
                                            << QStringLiteral("refused to mail");
    }
    void refusedTokenRequestSaysWhy()
    {
        QFETCH(int, status);
        QFETCH(QByteArray, reason);
        QFETCH(QString, error);
        QFETCH(QString, expected);
        QFETCH(QString, unexpected);
        FakeRegistry registry;
        registry.tokenStatus = status;
        // Our registry's error page (registry/HttpFront); upstream's 403 has none.
        registry.tokenPage = reason.isEmpty() ? QByteArray()
                                              : "<html><body><h1>" + QByteArray::number(status)
                                                    + " Refused</h1><p>" + reason + "</p></body></html>";
        QTemporaryDir tmp;
        NodeEnrollment e(tmp.path());
        e.setTimeoutMs(20000);
        const auto answer = requestToken(e, registry, QStringLiteral("alice@example.org"));
        QCOMPARE(answer->error(), error);
        QVERIFY2(answer->message().contains(expected), qPrintable(answer->message()));
        QVERIFY2(!answer->message().contains(unexpected), qPrintable(answer->message()));
        QVERIFY(registry.methods().contains("requestToken"));
        for (const auto &[step, detail] : std::as_const(answer->progress))
            QVERIFY2(step != QLatin1String("done"), qPrintable(detail));
        QVERIFY(!e.isBusy());
    }

    // R§18.13: a 5xx after the token was stored stays a success with a warning.
    void registryErrorAfterTheTokenIsAWarning()
    {
        FakeRegistry registry;
        registry.tokenStatus = 500;
        QTemporaryDir tmp;
        NodeEnrollment e(tmp.path());
        e.setTimeoutMs(20000);
        const auto answer = requestToken(e, registry, QStringLiteral("alice@example.org"));
        QVERIFY2(answer->error().isEmpty(), qPrintable(answer->error() + u' ' + answer->message()));
        QVERIFY(!answer->progress.isEmpty());
        QCOMPARE(answer->progress.last().first, QStringLiteral("done"));
        QVERIFY2(answer->progress.last().second.contains(QLatin1String("could not confirm")),
                 qPrintable(answer->progress.last().second));
    }

    // H2: replace=true into another registry installs that registry's re6stnet.conf and
    // keeps the old one with the other replaced files.
    void replacingIntoAnotherRegistryReplacesTheConfig()
    {
        FakeRegistry first, second;
        QTemporaryDir tmp;
        NodeEnrollment e(tmp.path());
        e.setTimeoutMs(20000);
        const auto enrolled = enroll(e, first);
        QVERIFY2(enrolled->error().isEmpty(), qPrintable(enrolled->message()));
        const QString conf = tmp.filePath(QStringLiteral("re6stnet.conf"));
        const QByteArray oldConf = readFile(conf);
        QVERIFY(oldConf.contains(first.url().toUtf8()));

        const auto replaced = enroll(e, second, {{QStringLiteral("replace"), true}});
        QVERIFY2(replaced->error().isEmpty(), qPrintable(replaced->message()));
        const QByteArray newConf = readFile(conf);
        QVERIFY2(newConf.contains("registry " + second.url().toUtf8() + '\n'), newConf.constData());
        QVERIFY(newConf.contains("cert cert.crt\n"));
        const QStringList backups = backupDirs(tmp.path());
        QCOMPARE(backups.size(), 1);
        const QString kept = backups.first() + QStringLiteral("/re6stnet.conf");
        QCOMPARE(readFile(kept), oldConf);
        QVERIFY(QFile::exists(backups.first() + QStringLiteral("/cert.key")));
        QVERIFY(!hasStaging(tmp.path()));
        // The result says so.
        QCOMPARE(enrolled->result().value(QStringLiteral("config_created")), QVariant(true));
        QVERIFY(!enrolled->result().contains(QStringLiteral("config_backup")));
        QCOMPARE(replaced->result().value(QStringLiteral("config_created")), QVariant(true));
        QCOMPARE(replaced->result().value(QStringLiteral("config_backup")).toString(), kept);
    }

    // H2: same registry and no other location: the existing file (maybe edited) stays.
    // A different location replaces it.
    void sameRegistryKeepsTheConfigOtherLocationReplacesIt()
    {
        FakeRegistry registry;
        QTemporaryDir tmp;
        NodeEnrollment e(tmp.path());
        e.setTimeoutMs(20000);
        const auto enrolled = enroll(e, registry, {{QStringLiteral("location"), QStringLiteral("FR,EU")}});
        QVERIFY2(enrolled->error().isEmpty(), qPrintable(enrolled->message()));
        const QString conf = tmp.filePath(QStringLiteral("re6stnet.conf"));
        QFile edit(conf);
        QVERIFY(edit.open(QIODevice::Append));
        edit.write("verbose 3\n");
        edit.close();
        const QByteArray edited = readFile(conf);
        QVERIFY(edited.contains("country FR\n"));

        QList<QVariantMap> results;
        for (const QVariantMap &options :
             {QVariantMap{{QStringLiteral("replace"), true}},
              QVariantMap{{QStringLiteral("replace"), true}, {QStringLiteral("location"), QStringLiteral("fr,EU")}}}) {
            QVERIFY(nextSecond());
            const auto again = enroll(e, registry, options);
            QVERIFY2(again->error().isEmpty(), qPrintable(again->message()));
            QCOMPARE(readFile(conf), edited);
            results << again->result();
        }
        const QStringList before = backupDirs(tmp.path());
        QCOMPARE(before.size(), 2);
        for (const QString &backup : before)
            QVERIFY(!QFile::exists(backup + QStringLiteral("/re6stnet.conf")));

        QVERIFY(nextSecond());
        const auto moved = enroll(e, registry, {{QStringLiteral("replace"), true},
                                                {QStringLiteral("location"), QStringLiteral("DE,EU")}});
        QVERIFY2(moved->error().isEmpty(), qPrintable(moved->message()));
        QVERIFY2(readFile(conf).contains("country DE\n"), readFile(conf).constData());
        const QString kept = moved->result().value(QStringLiteral("config_backup")).toString();
        QVERIFY(!kept.isEmpty());
        QVERIFY2(!before.contains(QFileInfo(kept).absolutePath()), qPrintable(kept));
        QCOMPARE(readFile(kept), edited);
        for (const QVariantMap &result : std::as_const(results)) {
            QCOMPARE(result.value(QStringLiteral("config_created")), QVariant(false));
            QVERIFY(!result.contains(QStringLiteral("config_backup")));
        }
    }

    // L3: the reason a directory cannot be created is given.
    void configDirectoryThatCannotBeCreatedSaysWhy()
    {
        FakeRegistry registry;
        QTemporaryDir tmp;
        QFile file(tmp.filePath(QStringLiteral("file")));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.close();
        const QString configDir = file.fileName() + QStringLiteral("/re6stnet");
        NodeEnrollment e(configDir);
        const auto answer = enroll(e, registry);
        QCOMPARE(answer->error(), errorName(dbuserror::Failed));
        QVERIFY2(answer->message().contains(QStringLiteral("cannot create ") + configDir), qPrintable(answer->message()));
        QVERIFY2(answer->message().contains(QString::fromLocal8Bit(std::strerror(ENOTDIR))),
                 qPrintable(answer->message()));
        QVERIFY(registry.calls.isEmpty());
    }

    // L7: a --key on another file system (or in a missing directory) cannot be installed
    // by rename(2) from the staging directory: refused before the registry is asked,
    // not after the token is spent.
    void targetThatCannotBeInstalledIsRefusedFirst()
    {
        FakeRegistry registry;
        QTemporaryDir config;
        QTemporaryDir shm(QStringLiteral("/dev/shm/re6st-test-XXXXXX"));
        struct stat a, b;
        if (!shm.isValid() || ::stat(QFile::encodeName(config.path()).constData(), &a) != 0
            || ::stat(QFile::encodeName(shm.path()).constData(), &b) != 0 || a.st_dev == b.st_dev)
            QSKIP("needs /dev/shm on another file system than the temporary directory");
        NodeEnrollment e(config.path());
        e.setFiles({}, {}, shm.filePath(QStringLiteral("cert.key")));
        auto answer = enroll(e, registry);
        QCOMPARE(answer->error(), errorName(dbuserror::Failed));
        QVERIFY2(answer->message().contains(QStringLiteral("is on another file system than ") + config.path()),
                 qPrintable(answer->message()));
        QVERIFY2(answer->message().contains(QStringLiteral("--key")), qPrintable(answer->message()));
        e.setFiles({}, {}, config.filePath(QStringLiteral("missing/cert.key")));
        answer = enroll(e, registry);
        QCOMPARE(answer->error(), errorName(dbuserror::Failed));
        QVERIFY2(answer->message().startsWith(QStringLiteral("cannot install ") + config.filePath(QStringLiteral("missing/cert.key"))),
                 qPrintable(answer->message()));
        QVERIFY(registry.calls.isEmpty());
        QVERIFY(!hasStaging(config.path()));
    }
};

QTEST_GUILESS_MAIN(TestNodeEnrollmentAudit)
#include "tst_nodeenrollmentaudit.moc"
