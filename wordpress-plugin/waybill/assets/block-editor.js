/**
 * Editor side of the Waybill lead form block: settings in the sidebar, the
 * form itself rendered by the server (same markup as the shortcode).
 */
( function ( wp ) {
	'use strict';
	var el = wp.element.createElement;
	var __ = wp.i18n.__;
	var InspectorControls = wp.blockEditor.InspectorControls;
	var PanelBody = wp.components.PanelBody;
	var TextControl = wp.components.TextControl;
	var ServerSideRender = wp.serverSideRender;

	wp.blocks.registerBlockType( 'waybill/lead-form', {
		edit: function ( props ) {
			var attributes = props.attributes;
			function field( name, label ) {
				return el( TextControl, {
					label: label,
					value: attributes[ name ],
					onChange: function ( value ) {
						var update = {};
						update[ name ] = value;
						props.setAttributes( update );
					},
				} );
			}
			return el(
				'div',
				wp.blockEditor.useBlockProps ? wp.blockEditor.useBlockProps() : {},
				el(
					InspectorControls,
					{},
					el(
						PanelBody,
						{ title: __( 'Form', 'waybill' ) },
						field( 'title', __( 'Title', 'waybill' ) ),
						field( 'button', __( 'Button label', 'waybill' ) ),
						field( 'consent', __( 'Consent text', 'waybill' ) )
					)
				),
				el( ServerSideRender, { block: 'waybill/lead-form', attributes: attributes } )
			);
		},
		save: function () {
			return null;
		},
	} );
} )( window.wp );
