// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QDBusMessage>
#include <QString>
#include <QVariantList>
#include <functional>

class QLabel;
class QWizardPage;

namespace re6st::gui {

class EnrollWizard;

// One asynchronous daemon call that a wizard page makes when the user presses Next
// (EnrollRegistryPage: FetchCa, EnrollEmailPage: RequestToken). validatePage() hands
// the call to validate(): the page stays while the call runs (status line shown), a
// failure is explained in the page's error label and the page stays; a success runs
// `onSuccess` and moves the wizard on. The labels are children of the page; the page
// places them in its layout.
class PageCall final
{
    Q_DISABLE_COPY_MOVE(PageCall)
public:
    using Success = std::function<void(const QDBusMessage &reply)>;

    explicit PageCall(QWizardPage *page);

    QLabel *statusLabel() const { return m_status; }
    QLabel *errorLabel() const { return m_error; }

    // For validatePage(): true once the call has succeeded (then resets), otherwise starts
    // `method` (Enrollment1, through wizard->call) unless one is running; false.
    bool validate(EnrollWizard *wizard, const QString &method, const QVariantList &args, int timeoutMs, const QString &statusText,
                  Success onSuccess);
    bool pending() const { return m_pending; }
    QString error() const; // empty when no error is shown
    void clearError();

private:
    QWizardPage *m_page;
    QLabel *m_status;
    QLabel *m_error;
    bool m_pending = false;
    bool m_accepted = false;
};

} // namespace re6st::gui
