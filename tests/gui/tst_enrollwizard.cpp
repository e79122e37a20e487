// SPDX-License-Identifier: GPL-2.0-or-later
// The enrollment wizard (issue 5 §2, §5) against the real re6stnet on a private system bus,
// with the real polkitd, a real registry and a real SMTP server: a wrong registry URL is
// explained on the URL page, a bad token on the token page (and the right one then
// works), and the wizard enrolls the node end to end: progress, result page, and the
// daemon's Node1 properties afterwards. A second enrollment offers "replace" on the
// progress page. Runs in a network namespace of its own (re-executes itself under
// `unshare --net`), like tests/dbus/tst_nodeservice.
#include "EnrollEmailPage.h"
#include "EnrollFingerprintPage.h"
#include "EnrollProgressPage.h"
#include "EnrollRegistryPage.h"
#include "EnrollResultPage.h"
#include "EnrollTokenPage.h"
#include "EnrollWizard.h"
#include "NodeServiceFixture.h"

#include <QAbstractButton>
#include <QApplication>
#include <QCheckBox>
#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QDBusMessage>
#include <QDBusVariant>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QRadioButton>
#include <QtTest>
#include <unistd.h>

using namespace re6st::e2e;
using re6st::gui::EnrollEmailPage;
using re6st::gui::EnrollFingerprintPage;
using re6st::gui::EnrollProgressPage;
using re6st::gui::EnrollRegistryPage;
using re6st::gui::EnrollResultPage;
using re6st::gui::EnrollTokenPage;
using re6st::gui::EnrollWizard;
using re6st::test::PolkitFixture;
using re6st::test::NodeServiceFixture;

namespace {
// Generous bounds for D-Bus round trips through the registry; a failing QTRY waits 3x its
// timeout (Qt's "would have passed" diagnostic), which must stay under the 300 s watchdog.
constexpr int kLong = 60000;
constexpr int kEnrollWait = 90000; // key generation, certificate, files
} // namespace

class TestEnrollWizard final : public QObject
{
    Q_OBJECT

    NodeServiceFixture m_fx{QStringLiteral("enrollwizard-test")};
    std::unique_ptr<EnrollWizard> m_wizard;
    QString m_prefix;

    QDBusConnection bus() const { return m_fx.connection(); }
    QString etc() const { return m_fx.etc(); }
    QString nodeLog() const { return m_fx.nodeLog(); }
    bool serviceUp() { return m_fx.serviceUp(); }
    QVariant property(const QString &name) { return m_fx.property(name); }
    QString caFingerprint() const { return m_fx.caFingerprint(); }
    bool hasCertificate() const { return QFile::exists(QDir(etc()).filePath(QStringLiteral("cert.crt"))); }

    template <typename Page> Page *page(EnrollWizard::PageId id) const { return qobject_cast<Page *>(m_wizard->page(id)); }
    QAbstractButton *backButton() const { return m_wizard->button(QWizard::BackButton); }

    // A fresh wizard up to the email page, with the CA confirmed.
    bool wizardAtEmailPage()
    {
        m_wizard = std::make_unique<EnrollWizard>(bus());
        m_wizard->show();
        page<EnrollRegistryPage>(EnrollWizard::RegistryPageId)->urlEdit()->setText(m_fx.registry.url());
        m_wizard->next();
        if (!QTest::qWaitFor([&] { return m_wizard->currentId() == EnrollWizard::FingerprintPageId; }, kLong))
            return false;
        page<EnrollFingerprintPage>(EnrollWizard::FingerprintPageId)->checkedBox()->setChecked(true);
        m_wizard->next();
        return m_wizard->currentId() == EnrollWizard::EmailPageId;
    }

private Q_SLOTS:
    void initTestCase()
    {
        if (const QString why = NodeServiceFixture::skipReason(); !why.isEmpty()) QSKIP(qPrintable(why));
        QString error;
        QVERIFY2(m_fx.setUp(PolkitFixture::Config{}, &error), qPrintable(error));
        QVERIFY2(m_fx.startNode(&error), qPrintable(error));
        QCOMPARE(property(QStringLiteral("Enrolled")).toBool(), false);
    }

    void cleanup() { m_wizard.reset(); }

    void cleanupTestCase()
    {
        m_wizard.reset();
        m_fx.tearDown();
    }

    void fingerprintGrouping()
    {
        QCOMPARE(EnrollFingerprintPage::grouped(QStringLiteral("sha256:") + QStringLiteral("0123456789abcdef").repeated(4)),
                 QStringLiteral("0123 4567 89AB CDEF 0123 4567 89AB CDEF\n0123 4567 89AB CDEF 0123 4567 89AB CDEF"));
    }

    // (1) A registry that does not answer, then a malformed URL: explained on the URL page,
    // which stays; the right URL then goes on.
    void wrongRegistryUrlStaysOnTheUrlPage()
    {
        m_wizard = std::make_unique<EnrollWizard>(bus());
        m_wizard->show();
        auto *registry = page<EnrollRegistryPage>(EnrollWizard::RegistryPageId);
        registry->urlEdit()->setText(QStringLiteral("http://127.0.0.1:9/"));
        m_wizard->next();
        QTRY_VERIFY_WITH_TIMEOUT(!registry->busy(), kLong);
        QCOMPARE(m_wizard->currentId(), int(EnrollWizard::RegistryPageId));
        QVERIFY2(registry->error().startsWith(EnrollWizard::errorText(QStringLiteral("org.re6st.Error.RegistryUnreachable"), {})),
                 qPrintable(registry->error()));
        QVERIFY(registry->findChild<QLabel *>(QStringLiteral("error"))->isVisible());

        registry->urlEdit()->setText(QStringLiteral("re6st.example.com"));
        QVERIFY(registry->error().isEmpty()); // editing clears the old explanation
        m_wizard->next();
        QTRY_VERIFY_WITH_TIMEOUT(!registry->busy(), kLong);
        QCOMPARE(m_wizard->currentId(), int(EnrollWizard::RegistryPageId));
        QVERIFY2(registry->error().startsWith(EnrollWizard::errorText(QStringLiteral("org.re6st.Error.InvalidArgument"), {}))
                     && registry->error().contains(QLatin1String("Details:")),
                 qPrintable(registry->error()));

        registry->urlEdit()->setText(m_fx.registry.url());
        m_wizard->next();
        QTRY_COMPARE_WITH_TIMEOUT(m_wizard->currentId(), int(EnrollWizard::FingerprintPageId), kLong);
        auto *fp = page<EnrollFingerprintPage>(EnrollWizard::FingerprintPageId);
        QCOMPARE(fp->shownFingerprint(), EnrollFingerprintPage::grouped(caFingerprint()));
        QVERIFY(fp->findChild<QLabel *>(QStringLiteral("details"))->text().contains(QLatin1String("2001:db8:42::/48")));
        // Not without the confirmation.
        QVERIFY(!m_wizard->button(QWizard::NextButton)->isEnabled());
        m_wizard->next();
        QCOMPARE(m_wizard->currentId(), int(EnrollWizard::FingerprintPageId));
        fp->checkedBox()->setChecked(true);
        QVERIFY(m_wizard->button(QWizard::NextButton)->isEnabled());
        m_wizard->next();
        QCOMPARE(m_wizard->currentId(), int(EnrollWizard::EmailPageId));
    }

    // (2) + (3) Email → token by mail; a bad token comes back to the token page with the
    // reason; the right one enrolls the node: progress, result, daemon properties.
    void enrollsEndToEnd()
    {
        QVERIFY(wizardAtEmailPage());
        auto *email = page<EnrollEmailPage>(EnrollWizard::EmailPageId);
        email->emailEdit()->setText(QStringLiteral("nobody"));
        m_wizard->next();
        QTRY_VERIFY_WITH_TIMEOUT(!email->busy(), kLong);
        QCOMPARE(m_wizard->currentId(), int(EnrollWizard::EmailPageId));
        QVERIFY2(email->error().startsWith(EnrollWizard::errorText(QStringLiteral("org.re6st.Error.InvalidArgument"), {})),
                 qPrintable(email->error()));

        const qsizetype mails = m_fx.smtp.deliveries().size();
        email->emailEdit()->setText(QStringLiteral("laptop@example.com"));
        m_wizard->next();
        QTRY_COMPARE_WITH_TIMEOUT(m_wizard->currentId(), int(EnrollWizard::TokenPageId), kLong);
        QTRY_VERIFY_WITH_TIMEOUT(m_fx.smtp.deliveries().size() > mails, 30000);
        const QString token = tokenFromMail(m_fx.smtp.deliveries().last().message);
        QVERIFY(!token.isEmpty());

        auto *tokenPage = page<EnrollTokenPage>(EnrollWizard::TokenPageId);
        auto *progress = page<EnrollProgressPage>(EnrollWizard::ProgressPageId);
        tokenPage->tokenEdit()->setText(QStringLiteral("notatoken"));
        m_wizard->next();
        QTRY_COMPARE_WITH_TIMEOUT(m_wizard->currentId(), int(EnrollWizard::TokenPageId), kLong);
        QVERIFY2(tokenPage->error().startsWith(EnrollWizard::errorText(QStringLiteral("org.re6st.Error.TokenRejected"), {})),
                 qPrintable(tokenPage->error()));
        QVERIFY(!hasCertificate());

        tokenPage->tokenEdit()->setText(token);
        m_wizard->next();
        QCOMPARE(m_wizard->currentId(), int(EnrollWizard::ProgressPageId));
        QCoreApplication::processEvents();
        if (progress->running())
            QVERIFY(!backButton()->isEnabled());
        QTRY_COMPARE_WITH_TIMEOUT(m_wizard->currentId(), int(EnrollWizard::ResultPageId), kEnrollWait);
        for (const char *step : {"generating-key", "requesting-certificate", "writing-files"})
            QVERIFY2(progress->steps().contains(QLatin1String(step)), qPrintable(progress->steps().join(u',')));
        QCOMPARE(progress->progressBar()->value(), progress->progressBar()->maximum());

        auto *result = page<EnrollResultPage>(EnrollWizard::ResultPageId);
        m_prefix = result->text(QStringLiteral("prefix"));
        QVERIFY2(m_prefix.endsWith(QLatin1String("/16")), qPrintable(m_prefix));
        QVERIFY(!result->text(QStringLiteral("subnet")).isEmpty());
        QVERIFY(result->text(QStringLiteral("address")).contains(u':'));
        const qint64 notAfter = m_wizard->result.value(QStringLiteral("not_after")).toLongLong();
        QVERIFY(notAfter > QDateTime::currentSecsSinceEpoch());
        QCOMPARE(result->text(QStringLiteral("validity")),
                 QLocale().toString(QDateTime::fromSecsSinceEpoch(notAfter), QLocale::LongFormat));
        QVERIFY(!result->text(QStringLiteral("renewal")).isEmpty());
        QVERIFY2(result->text(QStringLiteral("backup")).contains(QDir(etc()).filePath(QStringLiteral("cert.key"))),
                 qPrintable(result->text(QStringLiteral("backup"))));
        QVERIFY(!backButton()->isVisible() || !backButton()->isEnabled());
        QVERIFY(hasCertificate());

        // The daemon restarts itself on the new files and reports the same prefix.
        QVERIFY2(waitFor([&] { return serviceUp() && property(QStringLiteral("Enrolled")).toBool()
                                      && property(QStringLiteral("Prefix")).toString() == m_prefix; },
                         60000),
                 qPrintable(nodeLog()));
        QCOMPARE(property(QStringLiteral("CertificateNotAfter")).toLongLong(), notAfter);
    }

    // Enrolling again: AlreadyEnrolled on the progress page, with "replace" offered, Back
    // available and nothing changed.
    void secondEnrollmentOffersReplace()
    {
        QVERIFY(!m_prefix.isEmpty());
        QVERIFY(wizardAtEmailPage());
        page<EnrollEmailPage>(EnrollWizard::EmailPageId)->anonymousButton()->setChecked(true);
        m_wizard->next();
        QCOMPARE(m_wizard->currentId(), int(EnrollWizard::ProgressPageId)); // no token page
        auto *progress = page<EnrollProgressPage>(EnrollWizard::ProgressPageId);
        QTRY_VERIFY_WITH_TIMEOUT(!progress->running(), kLong);
        QCOMPARE(m_wizard->currentId(), int(EnrollWizard::ProgressPageId));
        QVERIFY2(progress->error().startsWith(EnrollWizard::errorText(QStringLiteral("org.re6st.Error.AlreadyEnrolled"), {})),
                 qPrintable(progress->error()));
        QVERIFY(progress->replaceBox()->isVisible());
        QVERIFY(progress->retryButton()->isVisible());
        QTRY_VERIFY(backButton()->isEnabled());
        QVERIFY(!m_wizard->button(QWizard::NextButton)->isEnabled() || !m_wizard->button(QWizard::NextButton)->isVisible());
        QCOMPARE(property(QStringLiteral("Prefix")).toString(), m_prefix);
        m_wizard->back();
        QCOMPARE(m_wizard->currentId(), int(EnrollWizard::EmailPageId));
    }
};

int main(int argc, char **argv)
{
    // Re-run inside a new network namespace: the node adds addresses and routes.
    if (const int failed = re6st::test::reexecInNetworkNamespace(argc, argv)) return failed;
    if (!qEnvironmentVariableIsSet("QT_QPA_PLATFORM"))
        qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    TestEnrollWizard test;
    return QTest::qExec(&test, argc, argv);
}

#include "tst_enrollwizard.moc"
