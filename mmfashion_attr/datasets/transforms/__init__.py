from .loading import ImageDecodeError, LoadFashionImage, decode_image

__all__ = ['ImageDecodeError', 'LoadFashionImage', 'decode_image']
