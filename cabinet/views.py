from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from cabinet.rendering import render_cabinet
from cabinet.selectors import branding_get


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render_cabinet(request, "cabinet/home.html")


class LoginView(auth_views.LoginView):
    template_name = "cabinet/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: object) -> dict[str, object]:
        return {**super().get_context_data(**kwargs), "branding": branding_get()}


class LogoutView(auth_views.LogoutView):
    pass
