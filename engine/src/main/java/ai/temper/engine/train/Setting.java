package ai.temper.engine.train;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a record component as a config field ({@link TrainConfig}, {@link RlSettings}, the
 * VPL config): the component's Java type gives the field's type (int, double, boolean, String,
 * List of String, {@link DatasetMix}; a boxed Integer or Double when the field may be empty),
 * and this annotation gives the rest. {@link ConfigRecord} turns the annotated components into
 * {@link ConfigField}s and binds values to the record.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.RECORD_COMPONENT)
public @interface Setting {
  /** The YAML name; empty means the component's name in snake_case (learningRate: learning_rate). */
  String name() default "";

  /** The default, written as on the command line ({@code --set name=value}); "" is empty. */
  String dflt() default "";

  /** Defaults that differ by algorithm, as {@code kind=value}: {@code {"dpo=5e-7"}}. */
  String[] byKind() default {};

  /** Whether the field may be empty (null). */
  boolean nullable() default false;

  /** The allowed values of a text field (then a choice). */
  String[] choices() default {};

  /** The algorithms the field applies to; empty means all. */
  TrainKind[] kinds() default {};

  /** The property sheet's group. */
  String group();

  /** One line for the property sheet and {@code temper train fields}. */
  String doc();
}
