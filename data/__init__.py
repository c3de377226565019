"""The course's sample images, installed as course_utils._data (see course_utils.data)."""
