"""The objective: the image's total loss, Eq. 5, with its targets computed once.

`Objective(content, style, settings)` runs the content image and the style
image(s) through VGG19 once, keeps the targets P^l and A^l, and is then a
function from a generated image to its losses {"total", "content", "style",
"tv"}. Everything beyond the report is an option of the objective, not of the
loop that lowers it:

- several style images, blended by `settings.style_weights` (notebook 07);
- one style per region, given `masks` (guided Gram matrices);
- colour preservation (`settings.preserve_colour`): the objective says what it
  optimises (`content`, grey for "luminance") and how to show the result
  (`present`);
- precision: a property of the feature extractor it is built with.

`stacked` turns one objective per image into the objective of a batch.
"""

from __future__ import annotations

import functools

import tensorflow as tf

from course_utils import colour, styles, vgg
from course_utils.images import load_image
from course_utils.losses import (
    content_loss,
    style_loss,
    total_loss,
    total_variation_loss,
)

LOSS_NAMES = ("total", "content", "style", "tv")


class Objective:
    """L_total (Eq. 5, plus tv_weight times total variation) of one content/style pair.

    Args:
        content: the content image p, (H, W, 3) in [0, 1] (or anything
            `load_image` accepts), already at the size to generate.
        style: a style image a, or a list of them (blended by
            `settings.style_weights`, or one per mask); each is resized to
            `settings.style_scale` times the content's size.
        settings: a StyleTransferSettings (alpha, beta, layers, tv_weight,
            style_weights, style_scale, preserve_colour, weights, seed,
            precision).
        masks: None, or one mask per style image (path or (H, W) array in
            [0, 1]): style k paints only where mask k is 1.
        extractor: the FeatureExtractor to use; by default one for the
            settings' layers, weights and precision.

    Attributes:
        content: the image whose content is kept, (H, W, 3): the content
            image, or its luminance for preserve_colour="luminance".
        style_images: the style images as the objective sees them (recoloured
            or grey for the colour modes; before `style_scale`).
        extractor: the FeatureExtractor.
    """

    def __init__(self, content, style, settings, masks=None, extractor=None):
        self.settings = settings
        self.content, self.style_images, self.present = prepare_images(
            load_image(content), style, settings.preserve_colour
        )
        if extractor is None:
            layers = [*settings.content_layers, *settings.style_layers]
            extractor = vgg.feature_extractor(
                layers, settings.weights, settings.seed, settings.precision
            )
        self.extractor = extractor
        content_features = extractor(self.content)
        self.content_targets = {
            name: content_features[name] for name in settings.content_layers
        }
        scaled = [
            styles.scale_style(image, self.content.shape, settings.style_scale)
            for image in self.style_images
        ]
        layers = list(settings.style_layers)
        if masks is None:
            weights = styles.blend_weights(settings.style_weights, len(scaled))
            self.style_targets = styles.target_grams(
                extractor, scaled, weights, layers, content_features
            )
            self.masks = None
        else:
            self.masks = [styles.load_mask(mask, self.content.shape) for mask in masks]
            _check_masks(self.masks, scaled, settings)
            self.style_targets = [
                styles.target_grams(extractor, [image], [1.0], layers, content_features)
                for image in scaled
            ]

    def __call__(self, image, features=None, content_targets=None) -> dict:
        """Return the losses of `image`, (1, H, W, 3) in [0, 1].

        Args:
            image: the generated image x.
            features: its VGG19 features, if already computed (a batch passes
                each image's slice of one forward pass).
            content_targets: {content layer: P^l} to use instead of the
                content image's: a network trained for real-time style
                transfer keeps the content of each photo it paints
                (`fast.training.perceptual_loss`).

        Returns:
            {"total": L_total, "content": L_content, "style": L_style, "tv":
            total variation}, scalar float32 tensors.
        """
        if features is None:
            features = self.extractor(image)
        if content_targets is None:
            content_targets = self.content_targets
        settings = self.settings
        content_term = tf.add_n(
            [
                weight * content_loss(features[name], content_targets[name])
                for name, weight in settings.content_layers.items()
            ]
        )
        if self.masks is None:
            generated = {name: features[name] for name in settings.style_layers}
            style_term = style_loss(
                generated, self.style_targets, settings.style_layers
            )
        else:
            style_term = styles.guided_style_loss(
                features, self.style_targets, self.masks, settings.style_layers
            )
        tv_term = total_variation_loss(image)
        total = total_loss(content_term, style_term, settings.alpha, settings.beta)
        total += settings.tv_weight * tv_term
        return {
            "total": total,
            "content": content_term,
            "style": style_term,
            "tv": tv_term,
        }


def stacked(objectives):
    """The objective of a batch: images (B, H, W, 3) -> {loss name: (B,) losses}.

    Image k is scored by objectives[k]; one VGG19 pass (the first objective's
    extractor) serves them all. The sum of "total" is what a loop lowers.
    """
    extractor = objectives[0].extractor

    def batch_losses(images):
        features = extractor(images)
        values = [
            objective(
                images[k : k + 1], {name: v[k : k + 1] for name, v in features.items()}
            )
            for k, objective in enumerate(objectives)
        ]
        return {name: tf.stack([v[name] for v in values]) for name in LOSS_NAMES}

    return batch_losses


def prepare_images(content, style, preserve_colour):
    """Apply a colour mode to the images; say how to show what is optimised.

    Args:
        content: (H, W, 3) content image.
        style: a style image or a list of them (anything `load_image` accepts).
        preserve_colour: None, "histogram" (recolour the style images to the
            content's colour statistics) or "luminance" (optimise grey images
            and put the content's colours back).

    Returns:
        (content, style images, present): the images the objective uses, and
        a function from an optimised image to the image shown and kept.
    """
    style_images = [load_image(s, role="style image") for s in styles.as_list(style)]
    if preserve_colour == "histogram":
        recoloured = [colour.match_histogram(image, content) for image in style_images]
        return content, recoloured, _identity
    if preserve_colour == "luminance":
        grey = [colour.match_luminance(image, content) for image in style_images]
        present = functools.partial(colour.combine_luminance, content)
        return colour.luminance(content), grey, present
    return content, style_images, _identity


def _identity(image):
    return image


def _check_masks(masks, style_images, settings) -> None:
    if settings.style_weights is not None:
        raise ValueError(
            "With masks each style paints its own region, so style_weights "
            "do not apply; leave them out (or use a mask of 0 for no style)."
        )
    if len(masks) != len(style_images):
        raise ValueError(
            f"Got {len(masks)} masks for {len(style_images)} style "
            "images; give one mask per style image."
        )
