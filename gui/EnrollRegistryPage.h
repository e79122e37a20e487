// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QWizardPage>

class QLabel;
class QLineEdit;

namespace re6st::gui {

// First page of EnrollWizard: the registry's URL. Leaving it fetches the CA (FetchCa,
// asynchronously); a failure stays on this page with the reason.
class EnrollRegistryPage final : public QWizardPage
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EnrollRegistryPage)
public:
    explicit EnrollRegistryPage(QWidget *parent = nullptr);
    bool validatePage() override;
    bool isComplete() const override;

    QLineEdit *urlEdit() const { return m_url; }
    QString error() const;
    bool busy() const { return m_pending; }

private:
    QLineEdit *m_url;
    QLabel *m_status;
    QLabel *m_error;
    bool m_pending = false;
    bool m_accepted = false;
};

} // namespace re6st::gui
