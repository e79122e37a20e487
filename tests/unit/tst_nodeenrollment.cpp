// SPDX-License-Identifier: GPL-2.0-or-later
// daemon/NodeEnrollment (org.re6st.Enrollment1 done by the daemon) against an in-test
// registry: Enroll never loses the node's key and certificate (audit F3, F4, F5),
// FetchCa is capped (F2), and the broadcast Progress signal never names the email (F12).
#include "FakeEnrollmentRegistry.h"
#include "FileSizeLimit.h"
#include "core/crypto/Certificate.h"
#include "core/crypto/RsaKey.h"
#include "daemon/DBusErrors.h"
#include "daemon/DBusService.h"
#include "daemon/NodeEnrollment.h"

#include <QDBusConnection>
#include <QDBusMessage>
#include <QDBusPendingCall>
#include <QDBusServer>
#include <QDateTime>
#include <QDir>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QtTest>

#include <memory>

using namespace re6st;
using daemon::NodeEnrollment;
using Reply = daemon::NodeController::Reply;
using test::FakeRegistry;
using test::readFile;

namespace {

struct Outcome
{
    bool done = false;
    Reply reply;
    QStringList steps, details;
};

const QByteArray kOldCa = "old ca.crt\n", kOldKey = "old cert.key\n", kOldCert = "old cert.crt\n";

bool writeFile(const QString &path, const QByteArray &data)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(data) == data.size();
}

// The credentials of an enrolled node (their content does not matter to Enroll).
bool plantOldFiles(const QDir &dir)
{
    return writeFile(dir.filePath(QStringLiteral("ca.crt")), kOldCa)
           && writeFile(dir.filePath(QStringLiteral("cert.key")), kOldKey)
           && writeFile(dir.filePath(QStringLiteral("cert.crt")), kOldCert);
}

QStringList entries(const QDir &dir, const QString &pattern)
{
    QStringList found;
    for (const QString &name : dir.entryList({pattern}, QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot))
        found << dir.filePath(name);
    return found;
}

// The NodeController calls that DBusService makes; FetchCa answers are held back.
class HeldFetches final : public daemon::NodeController
{
public:
    QList<Done> fetches;
    void start(Done done) override { done(Reply::ok()); }
    void stop(Done done) override { done(Reply::ok()); }
    void reloadConfig(Done done) override { done(Reply::ok()); }
    void killTunnel(const QString &, Done done) override { done(Reply::ok()); }
    void addNeighbour(const QString &, Done done) override { done(Reply::ok()); }
    void removeNeighbour(const QString &, Done done) override { done(Reply::ok()); }
    void fetchCa(const QString &, Done done) override { fetches << done; }
    void requestToken(const QString &, const QString &, const QString &, Progress, Done done) override
    {
        done(Reply::ok());
    }
    void enroll(const QString &, const QString &, const QString &, const QVariantMap &, Progress, Done done) override
    {
        done(Reply::ok());
    }
};

} // namespace

class TestNodeEnrollment final : public QObject
{
    Q_OBJECT

    // Runs Enroll (anonymous unless a token is given) and waits for its answer; `onStep`
    // may meddle with the files.
    static Outcome enroll(NodeEnrollment &e, const FakeRegistry &registry, QVariantMap options = {},
                          const std::function<void(const QString &)> &onStep = {}, const QString &token = {})
    {
        auto out = std::make_shared<Outcome>();
        if (token.isEmpty()) options.insert(QStringLiteral("anonymous"), true);
        e.enroll(registry.url(), NodeEnrollment::fingerprintOf(registry.ca), token, options,
                 [out, onStep](const QString &step, const QString &detail) {
                     out->steps << step;
                     out->details << detail;
                     if (onStep) onStep(step);
                 },
                 [out](const Reply &r) {
                     out->reply = r;
                     out->done = true;
                 });
        [&] { QTRY_VERIFY_WITH_TIMEOUT(out->done, 60000); }();
        return *out;
    }

    static void fetchCa(NodeEnrollment &e, const QString &url, const std::shared_ptr<Outcome> &out)
    {
        e.fetchCa(url, [out](const Reply &r) {
            out->reply = r;
            out->done = true;
        });
    }

    static void verifyOldFiles(const QDir &dir)
    {
        QCOMPARE(readFile(dir.filePath(QStringLiteral("ca.crt"))), kOldCa);
        QCOMPARE(readFile(dir.filePath(QStringLiteral("cert.key"))), kOldKey);
        QCOMPARE(readFile(dir.filePath(QStringLiteral("cert.crt"))), kOldCert);
    }

private Q_SLOTS:
    void enrollsAndReplacesKeepingTheOldFiles()
    {
        FakeRegistry registry;
        QTemporaryDir tmp;
        const QDir dir(tmp.path());
        NodeEnrollment e(tmp.path());
        e.setTimeoutMs(20000);
        QVERIFY(!e.isEnrolled());
        const Outcome first = enroll(e, registry);
        QVERIFY2(first.reply.error.isEmpty(), qPrintable(first.reply.message));
        QVERIFY(e.isEnrolled());
        const QByteArray firstKey = readFile(dir.filePath(QStringLiteral("cert.key")));
        QVERIFY(firstKey.contains("PRIVATE KEY"));
        QVERIFY(dir.exists(QStringLiteral("re6stnet.conf")));
        QVERIFY(entries(dir, QStringLiteral(".enroll-*")).isEmpty());

        const Outcome again = enroll(e, registry);
        QCOMPARE(again.reply.error, QString::fromLatin1(daemon::dbuserror::AlreadyEnrolled));

        const Outcome replaced = enroll(e, registry, {{QStringLiteral("replace"), true}});
        QVERIFY2(replaced.reply.error.isEmpty(), qPrintable(replaced.reply.message));
        const QStringList backups = entries(dir, QStringLiteral("replaced-*"));
        QCOMPARE(backups.size(), 1);
        QCOMPARE(readFile(QDir(backups.first()).filePath(QStringLiteral("cert.key"))), firstKey);
        QVERIFY(readFile(dir.filePath(QStringLiteral("cert.key"))) != firstKey);
        QCOMPARE(test::fileMode(backups.first()), 0700);
        QVERIFY(entries(dir, QStringLiteral(".enroll-*")).isEmpty());
    }

    // F4: the daemon's --ca/--cert/--key are the files written and checked.
    void enrollWritesTheDaemonsFiles()
    {
        FakeRegistry registry;
        QTemporaryDir tmp;
        const QDir dir(tmp.path());
        NodeEnrollment e(tmp.path());
        e.setTimeoutMs(20000);
        e.setFiles(dir.filePath(QStringLiteral("my-ca.pem")), dir.filePath(QStringLiteral("node.crt")),
                   dir.filePath(QStringLiteral("node.key")));
        const Outcome out = enroll(e, registry);
        QVERIFY2(out.reply.error.isEmpty(), qPrintable(out.reply.message));
        QVERIFY(readFile(dir.filePath(QStringLiteral("node.key"))).contains("PRIVATE KEY"));
        QVERIFY(readFile(dir.filePath(QStringLiteral("node.crt"))).contains("CERTIFICATE"));
        QCOMPARE(readFile(dir.filePath(QStringLiteral("my-ca.pem"))), registry.ca.toPem());
        QVERIFY(!dir.exists(QStringLiteral("cert.key")));
        QVERIFY(e.isEnrolled());
    }

    // F4: any one of the files is refused without replace, and named.
    void anyFilePresentIsAlreadyEnrolled_data()
    {
        QTest::addColumn<QString>("present");
        QTest::addColumn<bool>("custom");
        QTest::newRow("cert.key") << QStringLiteral("cert.key") << false;
        QTest::newRow("cert.crt") << QStringLiteral("cert.crt") << false;
        QTest::newRow("ca.crt") << QStringLiteral("ca.crt") << false;
        QTest::newRow("--cert node.crt") << QStringLiteral("node.crt") << true;
    }
    void anyFilePresentIsAlreadyEnrolled()
    {
        QFETCH(QString, present);
        QFETCH(bool, custom);
        FakeRegistry registry;
        QTemporaryDir tmp;
        const QDir dir(tmp.path());
        NodeEnrollment e(tmp.path());
        e.setTimeoutMs(20000);
        if (custom)
            e.setFiles({}, dir.filePath(QStringLiteral("node.crt")), dir.filePath(QStringLiteral("node.key")));
        QVERIFY(writeFile(dir.filePath(present), kOldKey));
        const Outcome out = enroll(e, registry);
        QCOMPARE(out.reply.error, QString::fromLatin1(daemon::dbuserror::AlreadyEnrolled));
        QVERIFY2(out.reply.message.contains(dir.filePath(present)), qPrintable(out.reply.message));
        QCOMPARE(readFile(dir.filePath(present)), kOldKey);
        QCOMPARE(dir.entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot), QStringList{present});
        QVERIFY(registry.calls.isEmpty()); // no token spent
    }

    // F3: no backup directory, no replacing; and no token spent for nothing.
    void backupDirectoryCannotBeCreated()
    {
        FakeRegistry registry;
        QTemporaryDir tmp;
        const QDir dir(tmp.path());
        QVERIFY(plantOldFiles(dir));
        // Files in the way of replaced-<UTC time> for the next two minutes.
        const QDateTime now = QDateTime::currentDateTimeUtc();
        for (int s = -1; s < 120; ++s)
            QVERIFY(writeFile(dir.filePath(QStringLiteral("replaced-")
                                           + now.addSecs(s).toString(QStringLiteral("yyyyMMddThhmmss"))),
                              "blocker"));
        NodeEnrollment e(tmp.path());
        e.setTimeoutMs(20000);
        const Outcome out = enroll(e, registry, {{QStringLiteral("replace"), true}});
        QCOMPARE(out.reply.error, QString::fromLatin1(daemon::dbuserror::Failed));
        QVERIFY2(out.reply.message.contains(QStringLiteral("cannot create")), qPrintable(out.reply.message));
        QVERIFY2(out.reply.message.contains(QStringLiteral("replaced-")), qPrintable(out.reply.message));
        verifyOldFiles(dir);
        QVERIFY(entries(dir, QStringLiteral(".enroll-*")).isEmpty());
        QVERIFY(registry.calls.isEmpty());
    }

    // F5: an old file that cannot be kept (a directory cannot be hard-linked): nothing
    // changes, and the issued key and certificate stay in the staging directory.
    void oldFileCannotBeKept()
    {
        FakeRegistry registry;
        QTemporaryDir tmp;
        const QDir dir(tmp.path());
        QVERIFY(writeFile(dir.filePath(QStringLiteral("ca.crt")), kOldCa));
        QVERIFY(writeFile(dir.filePath(QStringLiteral("cert.key")), kOldKey));
        QVERIFY(dir.mkdir(QStringLiteral("cert.crt")));
        QVERIFY(writeFile(dir.filePath(QStringLiteral("cert.crt/inside")), kOldCert));
        NodeEnrollment e(tmp.path());
        e.setTimeoutMs(20000);
        const Outcome out = enroll(e, registry, {{QStringLiteral("replace"), true}});
        QCOMPARE(out.reply.error, QString::fromLatin1(daemon::dbuserror::Failed));
        const QStringList staging = entries(dir, QStringLiteral(".enroll-*"));
        QCOMPARE(staging.size(), 1);
        QVERIFY2(out.reply.message.contains(staging.first()), qPrintable(out.reply.message));
        QVERIFY(readFile(QDir(staging.first()).filePath(QStringLiteral("cert.key"))).contains("PRIVATE KEY"));
        QVERIFY(readFile(QDir(staging.first()).filePath(QStringLiteral("cert.crt"))).contains("CERTIFICATE"));
        QCOMPARE(readFile(dir.filePath(QStringLiteral("ca.crt"))), kOldCa);
        QCOMPARE(readFile(dir.filePath(QStringLiteral("cert.key"))), kOldKey);
        QCOMPARE(readFile(dir.filePath(QStringLiteral("cert.crt/inside"))), kOldCert);
        QVERIFY(entries(dir, QStringLiteral("replaced-*")).isEmpty());
    }

    // F5: the last rename fails after the key and certificate were replaced: they are
    // put back, and the new ones return to the staging directory.
    void renameFailsMidway()
    {
        FakeRegistry registry;
        QTemporaryDir tmp;
        const QDir dir(tmp.path());
        QVERIFY(plantOldFiles(dir));
        NodeEnrollment e(tmp.path());
        e.setTimeoutMs(20000);
        QString staging;
        // Right before the install, the staged CA becomes a non-empty directory, which
        // cannot be renamed over the old ca.crt (the CA is installed last).
        const Outcome out = enroll(e, registry, {{QStringLiteral("replace"), true}}, [&](const QString &step) {
            if (step != QLatin1String("writing-files")) return;
            staging = entries(dir, QStringLiteral(".enroll-*")).value(0);
            const QDir s(staging);
            QVERIFY(QFile::remove(s.filePath(QStringLiteral("ca.crt"))));
            QVERIFY(s.mkdir(QStringLiteral("ca.crt")));
            QVERIFY(writeFile(s.filePath(QStringLiteral("ca.crt/x")), "x"));
        });
        QCOMPARE(out.reply.error, QString::fromLatin1(daemon::dbuserror::Failed));
        QVERIFY(!staging.isEmpty());
        QVERIFY2(out.reply.message.contains(staging), qPrintable(out.reply.message));
        verifyOldFiles(dir);
        const QDir s(staging);
        QVERIFY(readFile(s.filePath(QStringLiteral("cert.key"))).contains("PRIVATE KEY"));
        QVERIFY(readFile(s.filePath(QStringLiteral("cert.crt"))).contains("CERTIFICATE"));
        QVERIFY(entries(dir, QStringLiteral("replaced-*")).isEmpty());
        QVERIFY(!dir.exists(QStringLiteral("re6stnet.conf")));
    }

    // The registry issued the certificate (the token is spent) but the staged cert.crt
    // cannot be written: a full disk, here EFBIG through RLIMIT_FSIZE, which binds root
    // too. The caller's error carries the certificate and names the key's file, which
    // stays on disk; nothing half-written is left; once the disk is fine again, Enroll
    // says clearly that the spent token is refused, and proceeds with a valid one.
    void unwritableCertificateIsHandedBack_data()
    {
        QTest::addColumn<bool>("replace");
        QTest::newRow("new node") << false;
        QTest::newRow("replacing old files") << true;
    }
    void unwritableCertificateIsHandedBack()
    {
        QFETCH(bool, replace);
        FakeRegistry registry;
        QTemporaryDir tmp;
        const QDir dir(tmp.path());
        if (replace) QVERIFY(plantOldFiles(dir));
        NodeEnrollment e(tmp.path());
        e.setTimeoutMs(20000);
        QVariantMap options;
        if (replace) options.insert(QStringLiteral("replace"), true);
        const QString token = QString::fromLatin1(registry.goodToken);

        std::unique_ptr<test::FileSizeLimit> limit;
        const Outcome out = enroll(e, registry, options, [&](const QString &step) {
            // ca.crt and cert.key are staged and cert.crt opened by now: the disk fills up
            // while the registry issues the certificate.
            if (step == QLatin1String("requesting-certificate")) limit = std::make_unique<test::FileSizeLimit>(100);
        }, token);
        const bool limited = limit && limit->isActive();
        limit.reset(); // before any check: QtTest may log to a file
        QVERIFY(limited);
        QCOMPARE(registry.methods().count("requestCertificate"), 1); // issued: the token is spent
        QCOMPARE(out.reply.error, QString::fromLatin1(daemon::dbuserror::Failed));
        const QString &message = out.reply.message;

        // The staging directory is kept: it holds the only copy of the key.
        const QStringList staging = entries(dir, QStringLiteral(".enroll-*"));
        QCOMPARE(staging.size(), 1);
        const QDir s(staging.first());
        QVERIFY2(message.startsWith(QStringLiteral("Error: cannot write %1: File too large")
                                        .arg(s.filePath(QStringLiteral("cert.crt")))),
                 qPrintable(message));

        // The certificate is in the error, whole, and is the one issued for the kept key.
        const qsizetype begin = message.indexOf(QLatin1String("\n-----BEGIN CERTIFICATE-----\n"));
        QVERIFY2(begin > 0, qPrintable(message));
        QVERIFY2(message.trimmed().endsWith(QLatin1String("-----END CERTIFICATE-----")), qPrintable(message));
        const auto cert = crypto::Certificate::fromPem(message.mid(begin + 1).toLatin1());
        QVERIFY(cert);
        QCOMPARE(cert->commonName(), registry.cn);
        QVERIFY(cert->isSignedBy(registry.ca.publicKey()));
        static const QRegularExpression keep(QStringLiteral("Keep (/\\S+): it is its private key"));
        const QRegularExpressionMatch named = keep.match(message);
        QVERIFY2(named.hasMatch(), qPrintable(message));
        const QString keyPath = named.captured(1);
        QCOMPARE(keyPath, s.filePath(QStringLiteral("cert.key")));
        const QByteArray keyPem = readFile(keyPath);
        const auto key = crypto::RsaKey::fromPem(keyPem);
        QVERIFY(key && key->hasPrivate());
        QVERIFY(cert->publicKey().samePublicKey(*key));
        QCOMPARE(test::fileMode(keyPath), 0600);

        // Nothing half-written: no partial or empty cert.crt, no temporary file, nothing
        // installed, no backup directory; the old files (if any) are untouched.
        QCOMPARE(s.entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot, QDir::Name),
                 (QStringList{QStringLiteral("ca.crt"), QStringLiteral("cert.key")}));
        QCOMPARE(readFile(s.filePath(QStringLiteral("ca.crt"))), registry.ca.toPem());
        QStringList expected{s.dirName()};
        if (replace) {
            verifyOldFiles(dir);
            expected << QStringLiteral("ca.crt") << QStringLiteral("cert.crt") << QStringLiteral("cert.key");
        }
        QCOMPARE(dir.entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot, QDir::Name), expected);
        QCOMPARE(e.isEnrolled(), replace);
        QVERIFY(!e.isBusy());

        // A restarted daemon reports the kept directory (and never deletes it).
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QRegularExpression::escape(staging.first())
                                                              + QStringLiteral(" was left by")));
        QCOMPARE(NodeEnrollment(tmp.path()).staleStagingDirs(), staging);

        // The disk is fine again. The spent token (a real registry deletes it): a clear
        // TokenRejected, and the kept key stays as it was.
        registry.goodToken = "newtoken";
        const Outcome spent = enroll(e, registry, options, {}, token);
        QCOMPARE(spent.reply.error, QString::fromLatin1(daemon::dbuserror::TokenRejected));
        QVERIFY2(spent.reply.message.contains(QLatin1String("invalid or expired token")), qPrintable(spent.reply.message));
        QCOMPARE(entries(dir, QStringLiteral(".enroll-*")), staging);
        QCOMPARE(readFile(keyPath), keyPem);
        QCOMPARE(dir.entryList(QDir::AllEntries | QDir::Hidden | QDir::NoDotAndDotDot, QDir::Name), expected);

        // A new token: the enrollment proceeds and installs everything.
        const Outcome again = enroll(e, registry, options, {}, QStringLiteral("newtoken"));
        QVERIFY2(again.reply.error.isEmpty(), qPrintable(again.reply.message));
        QVERIFY(e.isEnrolled());
        const auto installed = crypto::Certificate::fromPem(readFile(dir.filePath(QStringLiteral("cert.crt"))));
        const auto installedKey = crypto::RsaKey::fromPem(readFile(dir.filePath(QStringLiteral("cert.key"))));
        QVERIFY(installed && installedKey);
        QVERIFY(installed->publicKey().samePublicKey(*installedKey));
        QCOMPARE(readFile(dir.filePath(QStringLiteral("ca.crt"))), registry.ca.toPem());
        QCOMPARE(entries(dir, QStringLiteral(".enroll-*")), staging); // still there, still reported
        QCOMPARE(readFile(keyPath), keyPem);
        const QStringList backups = entries(dir, QStringLiteral("replaced-*"));
        QCOMPARE(backups.size(), replace ? 1 : 0);
        if (replace) QCOMPARE(readFile(QDir(backups.first()).filePath(QStringLiteral("cert.key"))), kOldKey);
    }

    void staleStagingDirectoriesAreReported()
    {
        QTemporaryDir tmp;
        const QDir dir(tmp.path());
        QVERIFY(dir.mkdir(QStringLiteral(".enroll-abc123")));
        QVERIFY(writeFile(dir.filePath(QStringLiteral(".enroll-abc123/cert.key")), kOldKey));
        QTest::ignoreMessage(QtWarningMsg, QRegularExpression(QStringLiteral("\\.enroll-abc123 was left by")));
        NodeEnrollment e(tmp.path());
        QCOMPARE(e.staleStagingDirs(), QStringList{dir.filePath(QStringLiteral(".enroll-abc123"))});
        QCOMPARE(readFile(dir.filePath(QStringLiteral(".enroll-abc123/cert.key"))), kOldKey); // never deleted
    }

    // F2: a registry that never answers holds the slots; the next call is Busy at once.
    void fetchCaIsCapped()
    {
        QTcpServer tarpit;
        QVERIFY(tarpit.listen(QHostAddress::LocalHost, 0));
        const QString url = QStringLiteral("http://127.0.0.1:%1/").arg(tarpit.serverPort());
        QTemporaryDir tmp;
        NodeEnrollment e(tmp.path());
        e.setTimeoutMs(1500);
        QList<std::shared_ptr<Outcome>> held;
        for (int i = 0; i < NodeEnrollment::kMaxFetches; ++i) {
            held << std::make_shared<Outcome>();
            fetchCa(e, url, held.last());
        }
        auto extra = std::make_shared<Outcome>();
        fetchCa(e, url, extra);
        QVERIFY(extra->done); // at once
        QCOMPARE(extra->reply.error, QString::fromLatin1(daemon::dbuserror::Busy));
        for (const auto &h : held) {
            QTRY_VERIFY_WITH_TIMEOUT(h->done, 20000);
            QCOMPARE(h->reply.error, QString::fromLatin1(daemon::dbuserror::RegistryUnreachable));
        }
        // The slots are free again.
        FakeRegistry registry;
        auto after = std::make_shared<Outcome>();
        fetchCa(e, registry.url(), after);
        QTRY_VERIFY_WITH_TIMEOUT(after->done, 20000);
        QVERIFY2(after->reply.error.isEmpty(), qPrintable(after->reply.message));
        QCOMPARE(after->reply.values.value(0).toString(), NodeEnrollment::fingerprintOf(registry.ca));
    }

    // F5: the CA is not trusted yet: its name comes back on one line, with no escape that
    // could forge or hide the fingerprint lines of `re6stctl enroll`.
    void fetchCaSubjectIsOneLine()
    {
        FakeRegistry registry;
        const qint64 now = QDateTime::currentSecsSinceEpoch();
        const QString forged = QStringLiteral("re6st CA\nFingerprint:  sha256:0000legit\r\n\x1b[8m\u202ex\u2028y");
        const auto ca = crypto::Certificate::selfSignedCa(registry.caKey, "120010db80042", {{"CN", forged}},
                                                          now - 3600, now + 86400);
        QVERIFY(ca);
        QCOMPARE(ca->commonName(), forged);
        registry.ca = *ca;
        QTemporaryDir tmp;
        NodeEnrollment e(tmp.path());
        auto out = std::make_shared<Outcome>();
        fetchCa(e, registry.url(), out);
        QTRY_VERIFY_WITH_TIMEOUT(out->done, 20000);
        QVERIFY2(out->reply.error.isEmpty(), qPrintable(out->reply.message));
        QCOMPARE(out->reply.values.value(0).toString(), NodeEnrollment::fingerprintOf(*ca));
        const QVariantMap details = out->reply.values.value(1).toMap();
        QCOMPARE(details.value(QStringLiteral("subject")).toString(),
                 QStringLiteral("re6st CA Fingerprint: sha256:0000legit [8m x y"));
    }

    // F2: one FetchCa in flight per caller, over a peer-to-peer D-Bus connection.
    void fetchCaIsCappedPerCaller()
    {
        QDBusServer server;
        if (!server.isConnected()) QSKIP("no D-Bus peer-to-peer server (libdbus)");
        HeldFetches controller;
        std::unique_ptr<daemon::DBusService> service;
        connect(&server, &QDBusServer::newConnection, this, [&](const QDBusConnection &c) {
            service = std::make_unique<daemon::DBusService>(c, daemon::DBusService::Provider());
            service->setController(&controller);
            QString error;
            QVERIFY2(service->start(&error, false), qPrintable(error));
        });
        const QString peer = QStringLiteral("tst_nodeenrollment");
        {
            QDBusConnection client = QDBusConnection::connectToPeer(server.address(), peer);
            QVERIFY(client.isConnected());
            QTRY_VERIFY(service);
            auto call = [&] {
                QDBusMessage m = QDBusMessage::createMethodCall(
                    {}, QString::fromLatin1(daemon::DBusService::kObjectPath),
                    QString::fromLatin1(daemon::DBusService::kEnrollmentInterface), QStringLiteral("FetchCa"));
                m << QStringLiteral("http://re6st.example.com/");
                return client.asyncCall(m);
            };
            QDBusPendingCall first = call();
            QTRY_COMPARE(controller.fetches.size(), 1);
            // Not waitForFinished(): the service answers from this thread's event loop.
            QDBusPendingCall second = call();
            QTRY_VERIFY(second.isFinished());
            QVERIFY(second.isError());
            QCOMPARE(second.error().name(), QString::fromLatin1(daemon::dbuserror::Busy));
            QCOMPARE(controller.fetches.size(), 1);
            controller.fetches.takeFirst()(Reply::ok({QStringLiteral("sha256:00"), QVariantMap()}));
            QTRY_VERIFY(first.isFinished());
            QVERIFY2(!first.isError(), qPrintable(first.error().message()));
            // Answered: the caller may fetch again.
            QDBusPendingCall third = call();
            QTRY_COMPARE(controller.fetches.size(), 1);
            controller.fetches.takeFirst()(Reply::ok({QStringLiteral("sha256:00"), QVariantMap()}));
            QTRY_VERIFY(third.isFinished());
            QVERIFY(!third.isError());
        }
        service.reset();
        QDBusConnection::disconnectFromPeer(peer);
    }

    // F12: Progress goes to every user of the system bus.
    void progressNeverNamesTheEmail_data()
    {
        QTest::addColumn<int>("tokenStatus");
        QTest::newRow("mail sent") << 204;
        QTest::newRow("registry error") << 500;
    }
    void progressNeverNamesTheEmail()
    {
        QFETCH(int, tokenStatus);
        FakeRegistry registry;
        registry.tokenStatus = tokenStatus;
        QTemporaryDir tmp;
        NodeEnrollment e(tmp.path());
        e.setTimeoutMs(20000);
        auto out = std::make_shared<Outcome>();
        e.requestToken(registry.url(), NodeEnrollment::fingerprintOf(registry.ca), QStringLiteral("alice@example.org"),
                       [out](const QString &step, const QString &detail) {
                           out->steps << step;
                           out->details << detail;
                       },
                       [out](const Reply &r) {
                           out->reply = r;
                           out->done = true;
                       });
        QTRY_VERIFY_WITH_TIMEOUT(out->done, 20000);
        QVERIFY2(out->reply.error.isEmpty(), qPrintable(out->reply.message));
        QVERIFY(registry.methods().contains("requestToken"));
        QCOMPARE(out->steps.last(), QStringLiteral("done"));
        for (const QString &detail : std::as_const(out->details)) {
            QVERIFY2(!detail.contains(QStringLiteral("alice")), qPrintable(detail));
            QVERIFY2(!detail.contains(QStringLiteral("example.org")), qPrintable(detail));
        }
    }

    void emailWithControlCharactersIsRefused_data()
    {
        QTest::addColumn<QString>("email");
        QTest::newRow("CR") << QStringLiteral("alice\r@example.org");
        QTest::newRow("tab") << QStringLiteral("alice@exa\tmple.org");
        QTest::newRow("SOH") << QStringLiteral("alice@example.org\x01");
        QTest::newRow("DEL") << QStringLiteral("alice@example.org\x7f");
    }
    void emailWithControlCharactersIsRefused()
    {
        QFETCH(QString, email);
        FakeRegistry registry;
        QTemporaryDir tmp;
        NodeEnrollment e(tmp.path());
        Reply reply;
        bool done = false;
        e.requestToken(registry.url(), NodeEnrollment::fingerprintOf(registry.ca), email,
                       [](const QString &, const QString &) {},
                       [&](const Reply &r) {
                           reply = r;
                           done = true;
                       });
        QVERIFY(done);
        QCOMPARE(reply.error, QString::fromLatin1(daemon::dbuserror::InvalidArgument));
        QVERIFY(registry.calls.isEmpty());
    }
};

QTEST_GUILESS_MAIN(TestNodeEnrollment)
#include "tst_nodeenrollment.moc"
