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
// the call to validate(): the page stays while the call runs (status line shown, Back
// disabled), a failure is explained in the page's error label and the page stays; a
// success runs `onSuccess` and moves the wizard on, but only if the page is still the
// current one and was not left meanwhile (audit M1), and the success counts only for the
// arguments it was asked with. The labels are children of the page; the page places them
// in its layout, and calls leave() from its cleanupPage() and initializePage().
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
    // The user left the page (Back, restart) or arrives on it again: a call still running
    // no longer moves the wizard, and an earlier success is forgotten.
    void leave();

    // Back stays disabled on `page` while `busy` (QWizard re-enables it on each of its
    // button updates: applied after them).
    static void syncBackButton(QWizardPage *page, bool busy);

private:
    QWizardPage *m_page;
    QLabel *m_status;
    QLabel *m_error;
    bool m_pending = false;
    bool m_accepted = false;
    QVariantList m_acceptedArgs; // what the accepted call was asked with
    quint64 m_generation = 0;    // bumped by leave(): older replies only end `pending`
};

} // namespace re6st::gui
