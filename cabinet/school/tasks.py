from celery import shared_task


@shared_task(name="school.tell_parents_of_homework", acks_late=True)
def tell_parents_of_homework(homework_id: int) -> int:
    """Every family of the class hears of new homework (notify's key makes a rerun harmless)."""
    from cabinet.school.models import Homework
    from cabinet.school.notices import homework_set

    homework = Homework.objects.filter(pk=homework_id).select_related("school_class").first()
    return homework_set(homework) if homework is not None else 0
