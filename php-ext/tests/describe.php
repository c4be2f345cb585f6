<?php
/**
 * Prints, as JSON, the declarations of the `waybill` extension: functions,
 * classes, methods, parameters, types and properties.
 *
 *   php describe.php            # the loaded extension
 *   php -n describe.php stub    # waybill.stub.php, without the extension
 *
 * StubsTest compares the two.
 *
 * @package Waybill
 */

function waybill_describe_type( ?ReflectionType $type ): string {
	return null === $type ? '' : (string) $type;
}

function waybill_describe_function( ReflectionFunctionAbstract $f ): array {
	$params = array();
	foreach ( $f->getParameters() as $p ) {
		$params[] = array(
			'name'     => $p->getName(),
			'type'     => waybill_describe_type( $p->getType() ),
			'optional' => $p->isOptional(),
			'default'  => $p->isDefaultValueAvailable() ? var_export( $p->getDefaultValue(), true ) : null,
		);
	}
	$out = array(
		'params' => $params,
		'return' => waybill_describe_type( $f->getReturnType() ),
		'doc'    => false !== $f->getDocComment(),
	);
	if ( $f instanceof ReflectionMethod ) {
		$out['static'] = $f->isStatic();
		$out['final']  = $f->isFinal();
		$out['public'] = $f->isPublic();
	}
	return $out;
}

if ( ( $argv[1] ?? '' ) === 'stub' ) {
	if ( extension_loaded( 'waybill' ) ) {
		fwrite( STDERR, "run with php -n: the extension is loaded\n" );
		exit( 1 );
	}
	require __DIR__ . '/../waybill.stub.php';
	$functions = array_values( array_filter( get_defined_functions()['user'], static fn( $f ) => str_starts_with( $f, 'waybill_' ) && ! str_starts_with( $f, 'waybill_describe' ) ) );
	$classes   = array_values( array_filter( get_declared_classes(), static fn( $c ) => str_starts_with( $c, 'Waybill\\' ) ) );
} else {
	$ext       = new ReflectionExtension( 'waybill' );
	$functions = array_keys( $ext->getFunctions() );
	$classes   = $ext->getClassNames();
}

$out = array(
	'functions' => array(),
	'classes'   => array(),
);
foreach ( $functions as $name ) {
	$out['functions'][ strtolower( $name ) ] = waybill_describe_function( new ReflectionFunction( $name ) );
}
foreach ( $classes as $name ) {
	$class   = new ReflectionClass( $name );
	$methods = array();
	foreach ( $class->getMethods() as $m ) {
		if ( $m->getDeclaringClass()->getName() === $name ) {
			$methods[ $m->getName() ] = waybill_describe_function( $m );
		}
	}
	ksort( $methods );
	$props = array();
	foreach ( $class->getProperties() as $p ) {
		if ( $p->getDeclaringClass()->getName() === $name ) {
			$props[ $p->getName() ] = $p->isProtected() ? 'protected' : ( $p->isPublic() ? 'public' : 'private' );
		}
	}
	ksort( $props );
	$out['classes'][ $name ] = array(
		'parent'     => $class->getParentClass() ? $class->getParentClass()->getName() : '',
		'final'      => $class->isFinal(),
		'methods'    => $methods,
		'properties' => $props,
		'doc'        => false !== $class->getDocComment(),
	);
}
ksort( $out['functions'] );
ksort( $out['classes'] );
echo json_encode( $out, JSON_PRETTY_PRINT | JSON_UNESCAPED_SLASHES ), "\n";
