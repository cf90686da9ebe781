from django.contrib.auth import views as auth_views
from django.urls import path

from shops import views
from shops.forms import RateLimitedPasswordResetForm, SignInForm

auth = [
    path(
        "sign-in/",
        auth_views.LoginView.as_view(
            template_name="registration/sign_in.html",
            authentication_form=SignInForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(
            template_name="registration/password_reset.html",
            form_class=RateLimitedPasswordResetForm,
            email_template_name="registration/password_reset_email.txt",
            subject_template_name="registration/password_reset_subject.txt",
        ),
        name="password_reset",
    ),
    path(
        "password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="registration/password_reset_sent.html"
        ),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="registration/password_reset_confirm.html",
            post_reset_login=True,
            post_reset_login_backend="shops.auth.MemberBackend",
        ),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="registration/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
    path(
        "account/password/",
        auth_views.PasswordChangeView.as_view(template_name="registration/password_change.html"),
        name="password_change",
    ),
    path(
        "account/password/changed/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="registration/password_changed.html"
        ),
        name="password_change_done",
    ),
    path("invite/<str:token>/", views.accept_invitation, name="accept_invitation"),
]

urlpatterns = [
    *auth,
    path("", views.dashboard, name="dashboard"),
    path("healthz/", views.healthz, name="healthz"),
    path("no-shop/", views.no_shop, name="no_shop"),
    path("shops/switch/", views.switch_shop, name="switch_shop"),
    path("settings/", views.shop_settings, name="shop_settings"),
    path("settings/workshop/", views.workshop_settings, name="workshop_settings"),
    path("settings/branches/", views.branch_list, name="branch_list"),
    path("settings/branches/new/", views.branch_create, name="branch_create"),
    path("settings/branches/<str:branch_code>/", views.branch_edit, name="branch_edit"),
    path(
        "settings/branches/<str:branch_code>/closed-dates/",
        views.closed_date_add,
        name="closed_date_add",
    ),
    path(
        "settings/branches/<str:branch_code>/holidays/",
        views.holiday_opening,
        name="holiday_opening",
    ),
    path(
        "settings/branches/<str:branch_code>/closed-dates/<int:closed_date_id>/remove/",
        views.closed_date_remove,
        name="closed_date_remove",
    ),
    path("settings/staff/", views.staff_list, name="staff_list"),
    path("settings/staff/invite/", views.staff_invite, name="staff_invite"),
    path("settings/staff/<int:member_id>/", views.staff_edit, name="staff_edit"),
    path(
        "settings/staff/<int:member_id>/deactivate/",
        views.staff_deactivate,
        name="staff_deactivate",
    ),
    path(
        "settings/staff/<int:member_id>/reactivate/",
        views.staff_reactivate,
        name="staff_reactivate",
    ),
    path(
        "settings/staff/<int:member_id>/unlock/",
        views.staff_signin_unlock,
        name="staff_signin_unlock",
    ),
    path(
        "settings/invitations/<int:invitation_id>/resend/",
        views.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "settings/invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
]
