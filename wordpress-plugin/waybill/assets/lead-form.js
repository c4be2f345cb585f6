/**
 * Waybill lead form: fetches a fresh form token (pages may be cached), posts
 * the fields as JSON to the REST route, and shows errors next to each field.
 * Without JavaScript the form still posts, with the token embedded in the page.
 */
( function () {
	'use strict';

	var TOKEN_MAX_AGE_MS = 30 * 60 * 1000;

	function fetchToken( form ) {
		return fetch( form.getAttribute( 'data-token-url' ), { credentials: 'same-origin', cache: 'no-store' } )
			.then( function ( response ) {
				return response.json();
			} )
			.then( function ( body ) {
				form.elements.form_token.value = body.token;
				form.setAttribute( 'data-token-at', String( Date.now() ) );
			} );
	}

	function clearErrors( form ) {
		form.querySelectorAll( '.waybill-error' ).forEach( function ( node ) {
			node.textContent = '';
		} );
		form.querySelectorAll( '[aria-invalid]' ).forEach( function ( node ) {
			node.removeAttribute( 'aria-invalid' );
		} );
	}

	function showStatus( form, text, kind ) {
		var status = form.querySelector( '.waybill-status' );
		status.textContent = text;
		status.className = 'waybill-status is-' + kind;
	}

	function showErrors( form, body ) {
		var fields = ( body && body.data && body.data.fields ) || {};
		var first = null;
		Object.keys( fields ).forEach( function ( name ) {
			var input = form.elements[ name ];
			var slot = form.querySelector( '#' + form.id + '-' + name + '-error' );
			if ( slot ) {
				slot.textContent = fields[ name ];
			}
			if ( input ) {
				input.setAttribute( 'aria-invalid', 'true' );
				first = first || input;
			}
		} );
		showStatus( form, ( body && body.message ) || '', 'error' );
		if ( first ) {
			first.focus();
		}
	}

	function payload( form ) {
		var data = {};
		[ 'name', 'email', 'company', 'phone', 'message', 'website', 'form_token', 'locale' ].forEach( function ( name ) {
			if ( form.elements[ name ] ) {
				data[ name ] = form.elements[ name ].value;
			}
		} );
		data.consent = form.elements.consent.checked;
		return data;
	}

	function submit( form, event ) {
		event.preventDefault();
		if ( form.getAttribute( 'aria-busy' ) === 'true' ) {
			return;
		}
		form.setAttribute( 'aria-busy', 'true' );
		clearErrors( form );

		var nonce = form.getAttribute( 'data-nonce' );
		var age = Date.now() - Number( form.getAttribute( 'data-token-at' ) || 0 );
		var ready = nonce || age < TOKEN_MAX_AGE_MS ? Promise.resolve() : fetchToken( form );

		ready
			.then( function () {
				var headers = { 'Content-Type': 'application/json', Accept: 'application/json' };
				if ( nonce ) {
					headers[ 'X-WP-Nonce' ] = nonce;
				}
				return fetch( form.action, {
					method: 'POST',
					credentials: 'same-origin',
					headers: headers,
					body: JSON.stringify( payload( form ) ),
				} );
			} )
			.then( function ( response ) {
				return response.json().then( function ( body ) {
					if ( response.ok ) {
						form.reset();
						showStatus( form, body.message || '', 'success' );
					} else {
						showErrors( form, body );
					}
				} );
			} )
			.catch( function () {
				showStatus( form, form.getAttribute( 'data-offline' ) || 'Network error, please try again.', 'error' );
			} )
			.then( function () {
				form.removeAttribute( 'aria-busy' );
			} );
	}

	document.querySelectorAll( 'form.waybill-lead-form' ).forEach( function ( form ) {
		form.elements.waybill_nojs.value = '0';
		form.addEventListener( 'submit', function ( event ) {
			submit( form, event );
		} );
	} );
} )();
