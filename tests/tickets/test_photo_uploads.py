"""Photo uploads are bounded: pixels (from the header, before decoding), photos per request,
bytes per request and per file, and each shop's storage. A refused upload saves nothing."""

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image, ImageFile, JpegImagePlugin

from customers.models import Customer
from shops.models import PhotoStorage
from tests.tickets.conftest import camera_jpeg, flat_png
from tests.tickets.test_intake import intake_post
from tickets import services
from tickets.models import Event, Photo, TimelineEntry, WorksOrder

# Pillow warns (it does not refuse) from twice the photo limit; these tests send such images.
pytestmark = pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")


def png(width: int, height: int, name: str, **kind) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, flat_png(width, height, **kind), content_type="image/png")


def add_photos(client, works_order, *uploads):
    return client.post(reverse("photo_add", args=[works_order.number]), {"photos-photos": uploads})


def text(response) -> str:
    """The page as a person reads it (sizes are joined to their units by no-break spaces)."""
    return response.content.decode().replace("\xa0", " ")


def stored_files(settings) -> list[Path]:
    return [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]


def storage_of(shop) -> tuple[int, int]:
    storage = PhotoStorage.objects.filter(shop=shop).first()
    return (storage.used_bytes, storage.photo_count) if storage else (0, 0)


def test_a_7000_by_7000_png_is_refused_from_its_header_naming_the_limit(
    client_as, personas, booked, settings, monkeypatch
):
    def no_decoding(image):
        raise AssertionError("the pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    upload = png(7000, 7000, "flat.png")
    assert upload.size < 200_000  # the 190 kB file

    response = add_photos(client_as(personas.technician), booked, upload)

    assert response.status_code == 400
    assert "“flat.png” is 7000 × 7000 pixels (49 MP); photos up to 24 MP are accepted." in text(
        response
    )
    assert not Photo.objects.for_shop(personas.shop).exists()
    assert not stored_files(settings)
    assert storage_of(personas.shop) == (0, 0)


def test_at_intake_a_photo_over_the_limit_keeps_everything_typed_and_books_nothing(
    client_as, personas
):
    data = intake_post(personas, **{"photos-photos": [png(7000, 7000, "flat.png")]})
    response = client_as(personas.front_desk).post(reverse("intake"), data)

    page = text(response)
    assert response.status_code == 200
    assert "photos up to 24 MP are accepted" in page
    assert 'value="Dee Customer"' in page and "touch dead in the top corner" in page
    assert "choose the photos again" in page
    assert not WorksOrder.objects.for_shop(personas.shop).exists()
    assert not Customer.objects.for_shop(personas.shop).exists()


def test_a_4000_by_3000_phone_photo_is_kept_upright_within_2000_pixels_and_counted(
    client_as, personas, booked, settings
):
    response = add_photos(
        client_as(personas.technician), booked, camera_jpeg(4000, 3000, orientation=6)
    )

    assert response.status_code == 302
    photo = Photo.objects.for_shop(personas.shop).get()
    with Image.open(photo.image.path) as stored:
        assert stored.size == (1500, 2000)  # taken in portrait, so turned upright
        assert max(stored.size) <= settings.PHOTO_MAX_EDGE
        assert not stored.getexif()
    assert photo.size == Path(photo.image.path).stat().st_size > 0
    assert storage_of(personas.shop) == (photo.size, 1)
    assert TimelineEntry.objects.for_shop(personas.shop).filter(event=Event.PHOTO).count() == 1


def test_a_big_jpeg_is_decoded_at_a_fraction_of_its_size(client_as, personas, booked, monkeypatch):
    drafted = []
    draft = JpegImagePlugin.JpegImageFile.draft

    def spy(image, mode, size):
        result = draft(image, mode, size)
        if result is not None:  # thumbnail() asks again; only the first call takes effect
            drafted.append(image.size)  # the size libjpeg will decode at
        return result

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "draft", spy)
    add_photos(client_as(personas.technician), booked, camera_jpeg(6000, 4000))

    assert drafted == [(3000, 2000)]  # a quarter of the pixels, still above the 2000 px kept
    (photo,) = Photo.objects.for_shop(personas.shop)
    assert (photo.width, photo.height) == (2000, 1333)


def test_more_photos_than_the_limit_at_once_are_refused_with_the_limit(
    client_as, personas, booked, settings
):
    photos = [camera_jpeg(64, 48, name=f"IMG_{i}.jpg") for i in range(11)]
    response = add_photos(client_as(personas.technician), booked, *photos)

    assert response.status_code == 400
    assert "11 photos were chosen; up to 10 can be added at once." in text(response)
    assert not Photo.objects.for_shop(personas.shop).exists()
    assert not stored_files(settings)


def test_more_files_than_django_reads_get_a_page_saying_what_to_do_not_an_error(
    client_as, personas, booked, settings
):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 12
    photos = [camera_jpeg(16, 16, name=f"IMG_{i}.jpg") for i in range(13)]
    response = add_photos(client_as(personas.technician), booked, *photos)

    assert response.status_code == 400
    page = text(response)
    assert "More than 12 files were sent at once" in page
    assert "Up to 10 photos can be added in one go" in page
    assert not Photo.objects.for_shop(personas.shop).exists()


def test_a_request_over_the_size_limit_is_refused_before_it_is_read(
    client_as, personas, booked, settings
):
    settings.UPLOAD_MAX_REQUEST_BYTES = 100_000
    big = SimpleUploadedFile("huge.jpg", b"\xff\xd8" + b"\0" * 150_000, content_type="image/jpeg")
    response = add_photos(client_as(personas.technician), booked, big)

    assert response.status_code == 400
    page = text(response)
    assert "That was 146.6 KB at once; up to 97.7 KB can be sent in one go" in page
    assert "Nothing was saved" in page
    assert not stored_files(settings)


def test_a_file_over_the_byte_limit_is_refused_at_the_field(client_as, personas, booked, settings):
    settings.PHOTO_MAX_UPLOAD_BYTES = 50 * 1024
    big = SimpleUploadedFile("huge.jpg", b"\xff\xd8" + b"\0" * 70_000, content_type="image/jpeg")
    response = add_photos(client_as(personas.technician), booked, big)

    assert response.status_code == 400
    assert "“huge.jpg” is 68.4 KB; photos up to 50.0 KB are accepted." in text(response)


def test_a_decompression_bomb_is_refused_without_allocating(client_as, personas, booked, settings):
    bomb = png(20000, 20000, "bomb.png", bits=1, colour=0)  # 400 MP of zeros in 49 kB
    assert Image.MAX_IMAGE_PIXELS == 2 * settings.PHOTO_MAX_PIXELS
    with pytest.raises(Image.DecompressionBombError):  # anywhere in the process, not just here
        Image.open(io.BytesIO(flat_png(20000, 20000, bits=1, colour=0)))

    response = add_photos(client_as(personas.technician), booked, bomb)

    assert response.status_code == 400
    assert "“bomb.png” is over 96 MP; photos up to 24 MP are accepted." in text(response)
    assert not Photo.objects.for_shop(personas.shop).exists()


def test_photos_over_the_shops_storage_are_refused_and_say_what_a_manager_can_do(
    client_as, personas, booked, settings
):
    client = client_as(personas.technician)
    add_photos(client, booked, camera_jpeg(640, 480))
    (first,) = Photo.objects.for_shop(personas.shop)
    personas.shop.photo_storage_quota = first.size + 1000  # room for less than another one
    personas.shop.save(update_fields=["photo_storage_quota"])

    response = add_photos(client, booked, camera_jpeg(640, 480), camera_jpeg(320, 240))

    page = text(response)
    assert response.status_code == 400
    assert "Not enough photo storage: these photos need" in page
    assert "A manager can ask Benchdesk support for more" in page
    assert list(Photo.objects.for_shop(personas.shop)) == [first]
    assert storage_of(personas.shop) == (first.size, 1)
    assert len(stored_files(settings)) == 1


def test_at_intake_full_storage_books_nothing_and_keeps_the_form(client_as, personas, settings):
    personas.shop.photo_storage_quota = 100
    personas.shop.save(update_fields=["photo_storage_quota"])
    data = intake_post(personas, **{"photos-photos": [camera_jpeg(640, 480)]})

    response = client_as(personas.front_desk).post(reverse("intake"), data)

    page = text(response)
    assert "Nothing was booked in: there is not enough photo storage" in page
    assert "Not enough photo storage: this photo needs" in page
    assert 'value="Dee Customer"' in page
    assert not WorksOrder.objects.for_shop(personas.shop).exists()
    assert not Customer.objects.for_shop(personas.shop).exists()
    assert storage_of(personas.shop) == (0, 0)
    assert not stored_files(settings)

    del data["photos-photos"]  # without the photos, the same booking goes through
    assert client_as(personas.front_desk).post(reverse("intake"), data).status_code == 302


def test_a_deleted_photo_gives_its_bytes_back_and_its_file_goes(
    personas, booked, django_capture_on_commit_callbacks
):
    kept, deleted = services.photos_add(
        works_order=booked,
        images=[clean(camera_jpeg(640, 480)), clean(camera_jpeg(320, 240))],
        by=personas.technician,
    )
    assert storage_of(personas.shop) == (kept.size + deleted.size, 2)
    path = Path(deleted.image.path)

    with django_capture_on_commit_callbacks(execute=True):
        deleted.delete()

    assert storage_of(personas.shop) == (kept.size, 1)
    assert not path.exists() and Path(kept.image.path).exists()


def clean(upload):
    from tickets.photos import clean_photo

    return clean_photo(upload)


def test_managers_see_the_photo_storage_used_on_the_shop_settings(client_as, personas, booked):
    add_photos(client_as(personas.technician), booked, camera_jpeg(640, 480))

    page = text(client_as(personas.manager).get(reverse("shop_settings")))

    assert "Photo storage" in page
    assert "of 5.0 GB used · 1 photo" in page
    assert "ask Benchdesk support for more" in page
